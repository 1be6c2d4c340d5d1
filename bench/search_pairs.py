"""The recall list: 60 answered questions, 10 per language, and how a teacher would search for each.

Each entry: (question, answer, query). The query is typed the way people type into /faq: other
inflections (plural, case, article, joined prepositions), sometimes without diacritics, sometimes a
few words of a sentence. Today's index needs every word as a prefix; the stemmed one does not.
"""

from __future__ import annotations

PAIRS: dict[str, list[tuple[str, str, str]]] = {
    "en": [
        (
            "How do I give feedback to a mentee after observing a lesson?",
            "Start with one strength, then one question; keep it within a day.",
            "feedback for mentees after observations",
        ),
        (
            "What should the first meeting with a new mentor cover?",
            "Goals, a rhythm of meetings and how you will keep in touch.",
            "first meetings with mentors",
        ),
        (
            "How can I help a teacher who is struggling with classroom management?",
            "Observe together and agree on one routine to try for a week.",
            "struggling teachers classroom",
        ),
        (
            "Where can I find the lesson plan template?",
            "In the shared folder, under Templates.",
            "lesson plan templates",
        ),
        (
            "How often should mentors and mentees meet?",
            "Every two weeks works for most pairs.",
            "how often to meet my mentee",
        ),
        (
            "What do I do when a parent complains about a grade?",
            "Listen first, show the rubric, invite them to talk.",
            "parents complaining about grades",
        ),
        (
            "How do we assess group projects fairly?",
            "Use a rubric with individual and group criteria.",
            "assessing a group project",
        ),
        (
            "Can I record my lessons for reflection?",
            "Yes, with the consent form signed by the students' parents.",
            "recording lessons",
        ),
        (
            "How do I set goals with my mentee for the term?",
            "Pick two measurable goals and review them monthly.",
            "setting goals with mentees",
        ),
        (
            "What is the best way to support new teachers in their first year?",
            "Short regular check-ins and a buddy who teaches the same subject.",
            "supporting new teacher first year",
        ),
    ],
    "ru": [
        (
            "Как провести первую встречу с наставляемым?",
            "Обсудите цели и договоритесь о ритме встреч.",
            "первая встреча с наставляемыми",
        ),
        (
            "Как давать обратную связь после посещения урока?",
            "Начните с сильной стороны, затем задайте один вопрос.",
            "обратной связи после уроков",
        ),
        (
            "Где найти шаблон плана урока?",
            "В общей папке, раздел «Шаблоны».",
            "шаблоны планов урока",
        ),
        (
            "Как оценивать групповые проекты учеников?",
            "По рубрике с индивидуальными и групповыми критериями.",
            "оценка группового проекта",
        ),
        (
            "Что делать, если родители жалуются на оценку?",
            "Выслушайте, покажите критерии, пригласите на разговор.",
            "родитель жалуется на оценки",
        ),
        (
            "Как помочь учителю, у которого трудности с дисциплиной в классе?",
            "Понаблюдайте вместе и выберите одно правило на неделю.",
            "трудности с дисциплиной",
        ),
        (
            "Как часто должны встречаться наставник и наставляемый?",
            "Раз в две недели подходит большинству пар.",
            "как часто встречаться с наставником",
        ),
        (
            "Можно ли записывать уроки на видео для рефлексии?",
            "Да, с согласия учеников и родителей.",
            "запись урока на видео",
        ),
        (
            "Как ставить цели на четверть вместе с молодым учителем?",
            "Две измеримые цели и ежемесячный разбор.",
            "цель на четверть молодой учитель",
        ),
        (
            "Как поддержать новых учителей в первый год работы?",
            "Короткие регулярные встречи и коллега-напарник.",
            "новый учитель первый год",
        ),
    ],
    "ro": [
        (
            "Cum organizez prima întâlnire cu mentorul?",
            "Stabiliți obiectivele și ritmul întâlnirilor.",
            "intalnirea cu mentorii",
        ),
        (
            "Cum ofer feedback după observarea unei lecții?",
            "Începeți cu un punct forte, apoi puneți o întrebare.",
            "feedback dupa observarea lectiilor",
        ),
        (
            "Unde găsesc modelul de plan de lecție?",
            "În dosarul comun, secțiunea Modele.",
            "modele plan lectie",
        ),
        (
            "Cum evaluăm corect proiectele de grup?",
            "Cu o grilă cu criterii individuale și de grup.",
            "evaluarea proiectului de grup",
        ),
        (
            "Ce fac când un părinte se plânge de o notă?",
            "Ascultați, arătați criteriile, invitați-l la o discuție.",
            "parintii se plang de note",
        ),
        (
            "Cum ajut un profesor debutant cu disciplina la clasă?",
            "Observați împreună și alegeți o rutină pe săptămână.",
            "profesorii debutanti disciplina",
        ),
        (
            "Cât de des ar trebui să se întâlnească mentorul și profesorul?",
            "La două săptămâni merge pentru cele mai multe perechi.",
            "cat de des se intalnesc mentorii",
        ),
        (
            "Pot înregistra lecțiile pentru reflecție?",
            "Da, cu acordul elevilor și al părinților.",
            "înregistrarea lecțiilor",
        ),
        (
            "Cum stabilesc obiective pentru semestru cu un profesor nou?",
            "Două obiective măsurabile, revizuite lunar.",
            "obiectivele semestrului",
        ),
        (
            "Cum sprijinim profesorii în primul an de predare?",
            "Întâlniri scurte și regulate și un coleg de sprijin.",
            "sprijin profesor primul an",
        ),
    ],
    "nl": [
        (
            "Hoe bereid ik het eerste gesprek met mijn mentor voor?",
            "Bespreek doelen en spreek een vast ritme af.",
            "eerste gesprekken mentoren",
        ),
        (
            "Hoe geef ik feedback na een lesobservatie?",
            "Begin met een sterk punt en stel dan een vraag.",
            "feedback na lesobservaties",
        ),
        (
            "Waar vind ik het sjabloon voor de lesvoorbereiding?",
            "In de gedeelde map, onder Sjablonen.",
            "sjablonen lesvoorbereiding",
        ),
        (
            "Hoe beoordelen we groepsprojecten eerlijk?",
            "Met een rubric met individuele en groepscriteria.",
            "groepsproject beoordelen",
        ),
        (
            "Wat doe ik als ouders klagen over een cijfer?",
            "Luister eerst, laat de criteria zien en nodig ze uit.",
            "ouder klaagt over cijfers",
        ),
        (
            "Hoe help ik een startende leraar met orde in de klas?",
            "Observeer samen en kies één routine per week.",
            "startende leraren orde",
        ),
        (
            "Hoe vaak moeten mentor en starter afspreken?",
            "Om de twee weken werkt voor de meeste koppels.",
            "hoe vaak afspraken met starters",
        ),
        (
            "Mag ik mijn lessen filmen voor reflectie?",
            "Ja, met toestemming van leerlingen en ouders.",
            "les filmen reflectie",
        ),
        (
            "Hoe stel ik doelen voor het semester met een nieuwe collega?",
            "Twee meetbare doelen, maandelijks besproken.",
            "doel semester nieuwe collega's",
        ),
        (
            "Hoe ondersteunen we nieuwe leraren in hun eerste jaar?",
            "Korte, regelmatige gesprekken en een maatje.",
            "nieuwe leraar eerste jaar",
        ),
    ],
    "ar": [
        (
            "كيف أعطي تغذية راجعة للمعلم بعد حضور الحصة؟",
            "ابدأ بنقطة قوة ثم اطرح سؤالا واحدا.",
            "التغذية الراجعة بعد الحصة",
        ),
        (
            "كيف أنظم الاجتماع الأول مع المرشد؟",
            "حددا الأهداف واتفقا على موعد ثابت.",
            "اجتماعات المرشد",
        ),
        (
            "أين أجد نموذج خطة الدرس؟",
            "في المجلد المشترك، قسم النماذج.",
            "نموذج لخطة الدرس",
        ),
        (
            "كيف نقيم مشاريع الطلاب الجماعية بعدل؟",
            "باستخدام سلم تقدير بمعايير فردية وجماعية.",
            "مشاريع جماعية للطلاب",
        ),
        (
            "ماذا أفعل عندما يشتكي أولياء الأمور من العلامات؟",
            "استمع أولا ثم اشرح المعايير.",
            "أولياء الأمور والعلامات",
        ),
        (
            "كيف أساعد معلما جديدا في إدارة الصف؟",
            "راقبا الصف معا واختارا روتينا واحدا.",
            "ادارة الصف للمعلمين",
        ),
        (
            "كم مرة يجب أن يلتقي المرشد بالمعلم؟",
            "مرة كل أسبوعين تناسب معظم الأزواج.",
            "لقاء المرشد والمعلم",
        ),
        (
            "هل يمكنني تصوير دروسي للتأمل؟",
            "نعم، بموافقة الطلاب وأولياء الأمور.",
            "تصوير الدروس",
        ),
        (
            "كيف أضع أهدافا للفصل الدراسي مع معلم جديد؟",
            "هدفان قابلان للقياس ومراجعة شهرية.",
            "الأهداف والفصل الدراسي",
        ),
        (
            "كيف ندعم المعلمين في سنتهم الأولى؟",
            "لقاءات قصيرة ومنتظمة وزميل داعم.",
            "دعم المعلم في السنة الأولى",
        ),
    ],
    "he": [
        (
            "איך נותנים משוב לחונך אחרי צפייה בשיעור?",
            "מתחילים בנקודת חוזק ואז שואלים שאלה אחת.",
            "משוב אחרי שיעורים",
        ),
        (
            "מה עושים בפגישה הראשונה עם המנטור?",
            "מגדירים מטרות וקצב פגישות.",
            "פגישות ראשונות עם מנטורים",
        ),
        (
            "איפה נמצאת התבנית של מערך השיעור?",
            "בתיקייה המשותפת, תחת תבניות.",
            "תבנית למערך שיעור",
        ),
        (
            "איך מעריכים פרויקטים קבוצתיים בהוגנות?",
            "עם מחוון שיש בו קריטריונים אישיים וקבוצתיים.",
            "הערכת פרויקט קבוצתי",
        ),
        (
            "מה עושים כשהורים מתלוננים על ציון?",
            "מקשיבים, מראים את המחוון ומזמינים לשיחה.",
            "הורה מתלונן על הציונים",
        ),
        (
            "איך עוזרים למורה חדש עם משמעת בכיתה?",
            "צופים יחד ובוחרים שגרה אחת לשבוע.",
            "מורים חדשים ומשמעת",
        ),
        (
            "כל כמה זמן צריכים המנטור והמתמחה להיפגש?",
            "פעם בשבועיים מתאים לרוב הזוגות.",
            "כל כמה זמן נפגשים עם מנטור",
        ),
        (
            "מותר לצלם את השיעורים שלי לצורך רפלקציה?",
            "כן, באישור התלמידים וההורים.",
            "צילום שיעור לרפלקציה",
        ),
        (
            "איך קובעים מטרות למחצית עם מורה חדשה?",
            "שתי מטרות מדידות ובדיקה חודשית.",
            "מטרה למחצית",
        ),
        (
            "איך תומכים במורים בשנה הראשונה שלהם?",
            "שיחות קצרות וקבועות ועמית תומך.",
            "תמיכה במורה בשנה ראשונה",
        ),
    ],
}

# Letters for the archive's filler words, per language (a real archive has many rare words).
ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "nl": "abcdefghijklmnopqrstuvwxyz",
    "ro": "abcdefghijklmnopqrstuvwxyzăâîșț",
    "ru": "абвгдежзиклмнопрстуфхцчшщыэюя",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "he": "אבגדהוזחטיכלמנסעפצקרשת",
}
