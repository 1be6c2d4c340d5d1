# Set-up, tests and translations. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCALES := en ru ro nl he ar
CATALOG_FLAGS := --domain=messages --input-file=locales/messages.pot --output-dir=locales

.PHONY: run test lint install install-test extract update compile init-locale bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"

config.toml:
	cp config.example.toml config.toml

# Run the bot: needs BOT_TOKEN in the environment (or a token in config.toml).
run: install config.toml compile
	$(BIN)/python -m bot migrate
	$(BIN)/python -m bot run

test: install-test
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install-test
	$(BIN)/python -m bench

# Translations: extract strings from the code, merge them into every catalog, compile.
extract: install
	$(BIN)/pybabel extract --project="Mentor Hub" --copyright-holder="Mentor Hub" \
		--msgid-bugs-address="" --no-location --sort-output \
		-k lazy_gettext -k button_label -k ngettext:1,2 -o locales/messages.pot bot

update: extract
	$(BIN)/pybabel update $(CATALOG_FLAGS) --no-fuzzy-matching --ignore-obsolete --width=100

compile: install
	$(BIN)/pybabel compile --domain=messages --directory=locales --statistics

# make init-locale LANG_CODE=de
init-locale: install
	$(BIN)/pybabel init $(CATALOG_FLAGS) --locale=$(LANG_CODE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find locales -name '*.mo' -delete
