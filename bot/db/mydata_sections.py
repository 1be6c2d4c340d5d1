"""The sections of /mydata after the profile: (readable name, query with ``:id``).

Each query names its columns as a member reads them; a branch that stores something new about a
member adds its section here (and its erasure step to ``bot.db.mydata.ERASURE``).
"""

from __future__ import annotations

# /mydata's sections after the profile: (readable name, query with :id).
SECTIONS: list[tuple[str, str]] = [
    (
        "hubs",
        """SELECT h.name AS hub, m.role, m.joined_at, m.prompts_off AS prompts_turned_off
           FROM memberships m JOIN hubs h ON h.id = m.hub_id WHERE m.user_id = :id
           ORDER BY m.joined_at""",
    ),
    (
        "questions_asked",
        """SELECT q.id AS question, h.name AS hub, q.anonymous, q.text AS question_text,
                  q.status, q.close_reason, q.answer, q.answered_at, q.created_at AS asked_at
           FROM questions q JOIN hubs h ON h.id = q.hub_id WHERE q.asker_id = :id ORDER BY q.id""",
    ),
    (
        "questions_answered",
        """SELECT q.id AS question, h.name AS hub, q.answer, q.answered_at
           FROM questions q JOIN hubs h ON h.id = q.hub_id WHERE q.answered_by = :id
           ORDER BY q.id""",
    ),
    (
        "me_too_votes",
        """SELECT v.question_id AS question, q.text AS question_text, v.created_at AS voted_at
           FROM question_votes v JOIN questions q ON q.id = v.question_id
           WHERE v.user_id = :id ORDER BY v.created_at""",
    ),
    (
        "reflections",
        """SELECT r.id AS reflection, h.name AS hub, r.prompt_text AS prompt,
                  (SELECT group_concat(p.text, char(10)) FROM reflection_parts p
                   WHERE p.reflection_id = r.id) AS text,
                  (SELECT group_concat(p.kind, ',') FROM reflection_parts p
                   WHERE p.reflection_id = r.id) AS parts,
                  r.created_at AS written_at, r.shared_at,
                  r.shared_anonymously
           FROM reflections r LEFT JOIN hubs h ON h.id = r.hub_id
           WHERE r.user_id = :id ORDER BY r.created_at""",
    ),
    (
        "prompts_received",
        """SELECT p.text AS prompt, s.occurrence AS day, s.sent_at, s.status, s.nudged_at
           FROM prompt_sends s JOIN prompts p ON p.id = s.prompt_id
           WHERE s.user_id = :id ORDER BY s.sent_at""",
    ),
    (
        "meeting_answers",
        """SELECT m.title AS meeting, o.starts_at, r.answer, r.updated_at AS answered_at
           FROM meeting_rsvps r JOIN meeting_occurrences o ON o.id = r.occurrence_id
           JOIN meetings m ON m.id = o.meeting_id WHERE r.user_id = :id ORDER BY o.starts_at""",
    ),
    (
        "meeting_attendance",
        """SELECT m.title AS meeting, o.starts_at, a.present
           FROM meeting_attendance a JOIN meeting_occurrences o ON o.id = a.occurrence_id
           JOIN meetings m ON m.id = o.meeting_id WHERE a.user_id = :id ORDER BY o.starts_at""",
    ),
    (
        "meeting_feedback_signed",
        """SELECT m.title AS meeting, o.starts_at, f.rating, f.comment
           FROM meeting_feedback f JOIN meeting_occurrences o ON o.id = f.occurrence_id
           JOIN meetings m ON m.id = o.meeting_id WHERE f.signed_by = :id ORDER BY o.starts_at""",
    ),
    (
        "meeting_feedback_asked",
        """SELECT m.title AS meeting, o.starts_at, fr.answered
           FROM meeting_feedback_requests fr JOIN meeting_occurrences o ON o.id = fr.occurrence_id
           JOIN meetings m ON m.id = o.meeting_id WHERE fr.user_id = :id ORDER BY o.starts_at""",
    ),
    (
        "poll_votes",
        """SELECT p.question AS poll, p.options, v.option_ids, v.updated_at AS voted_at
           FROM poll_votes v JOIN polls p ON p.id = v.poll_id WHERE v.user_id = :id
           ORDER BY v.updated_at""",
    ),
    (
        "surveys_invited",
        """SELECT s.title AS survey, s.anonymous, sp.finished
           FROM survey_participants sp JOIN surveys s ON s.id = sp.survey_id
           WHERE sp.user_id = :id ORDER BY s.id""",
    ),
    (
        "survey_answers",
        """SELECT s.title AS survey, sq.position AS question_number, sq.text AS question,
                  a.value AS answer
           FROM survey_responses r JOIN surveys s ON s.id = r.survey_id
           JOIN survey_answers a ON a.response_id = r.id
           JOIN survey_questions sq ON sq.id = a.question_id
           WHERE r.user_id = :id ORDER BY s.id, sq.position""",
    ),
    (
        "survey_drafts",
        """SELECT s.title AS survey, sq.position AS question_number, sq.text AS question,
                  d.value AS answer
           FROM survey_drafts d JOIN surveys s ON s.id = d.survey_id
           JOIN survey_questions sq ON sq.id = d.question_id
           WHERE d.user_id = :id ORDER BY s.id, sq.position""",
    ),
    (
        "announcements_sent",
        """SELECT b.text, b.status, b.send_at, b.sent_at, b.created_at
           FROM broadcasts b WHERE b.sender_id = :id ORDER BY b.created_at""",
    ),
    (
        "hubs_created",
        """SELECT name AS hub, created_at FROM hubs WHERE created_by = :id ORDER BY id""",
    ),
    (
        "prompts_written",
        """SELECT p.text AS prompt, h.name AS hub, p.status, p.created_at
           FROM prompts p JOIN hubs h ON h.id = p.hub_id WHERE p.author_id = :id ORDER BY p.id""",
    ),
    (
        "meetings_planned",
        """SELECT m.title AS meeting, h.name AS hub, m.status, m.created_at
           FROM meetings m JOIN hubs h ON h.id = m.hub_id WHERE m.author_id = :id ORDER BY m.id""",
    ),
    (
        "polls_created",
        """SELECT p.question AS poll, h.name AS hub, p.status, p.created_at
           FROM polls p JOIN hubs h ON h.id = p.hub_id WHERE p.author_id = :id ORDER BY p.id""",
    ),
    (
        "surveys_created",
        """SELECT s.title AS survey, h.name AS hub, s.status, s.created_at
           FROM surveys s LEFT JOIN hubs h ON h.id = s.hub_id WHERE s.author_id = :id
           ORDER BY s.id""",
    ),
    (
        "messages_to_you",
        """SELECT kind, status, text, created_at, updated_at AS last_attempt
           FROM outbox WHERE user_id = :id OR chat_id = :id ORDER BY id""",
    ),
]
