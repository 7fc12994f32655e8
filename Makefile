# The commands people and CI use. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: help demo test lint clean

help:
	@echo "make demo    install tfguard into $(VENV) and check the bundled examples/"
	@echo "make test    install tfguard with its test tools into $(VENV) and run every test"
	@echo "make clean   remove $(VENV)"

$(BIN)/tfguard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# tfguard exits 1 when it finds something, and examples/noncompliant has findings on purpose:
# only exit 2 (an unreadable or unparsable input) fails this target.
demo: $(BIN)/tfguard
	@$(BIN)/tfguard check examples; status=$$?; \
	  if [ $$status -eq 1 ]; then echo "(exit 1: findings, as expected for examples/noncompliant)"; fi; \
	  test $$status -le 1

# pytest exits 5 when it collects no test; that, like any failure, fails this target.
test: $(BIN)/tfguard
	$(BIN)/python -m pytest -ra

clean:
	rm -rf $(VENV)
