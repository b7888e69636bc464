# Two commands do all the set-up on a fresh machine:
#   make book   - virtual environment + install + execute every chapter + build the site
#   make test   - the same, then every test (library, notebooks, site, browser, coursework)

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
# cache: re-run only chapters whose code changed; force: execute every chapter anew (CI)
EXECUTE ?= cache
SUBMISSIONS ?= submissions
GRADES  ?= _build/coursework/grades.csv

export PATH := $(CURDIR)/$(BIN):$(PATH)
export MPLBACKEND := Agg
# One BLAS thread: the chapters' matrices are small, and on a busy 2-core machine competing
# BLAS threads made a chapter 10-30 times slower. Same setting for references and their checks.
export OPENBLAS_NUM_THREADS := 1

.PHONY: help venv book student-book test test-lib notebooks lab release autograde grades bench clean

help:
	@echo "make book          사이트를 _build/html 에 빌드 (가상환경 설치, 모든 장 실행 포함)"
	@echo "make test          모든 테스트 (라이브러리, 노트북, 사이트, 브라우저, 과제)"
	@echo "make lab           JupyterLab 에서 장(chapters/*.md)을 노트북으로 열기"
	@echo "make notebooks     notebooks/*.ipynb (기준 출력) 다시 만들기"
	@echo "make student-book  풀이를 뺀 학생용 사이트를 _build/student/html 에 빌드"
	@echo "make release | autograde SUBMISSIONS=dir | grades   과제 배포, 채점, 성적표"
	@echo "make bench         벤치마크"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

book: venv
ifeq ($(EXECUTE),force)
	rm -rf _build/.jupyter_cache
endif
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo
	@echo "사이트가 만들어졌습니다: file://$(CURDIR)/_build/html/index.html"

# Same sources without the solutions. It starts from the main build's execution cache, so
# no chapter runs twice.
student-book: book
	rm -rf _build/student/_build/.jupyter_cache && mkdir -p _build/student/_build
	cp -r _build/.jupyter_cache _build/student/_build/.jupyter_cache
	WEIGHTINIT_EDITION=student $(BIN)/jupyter-book build . -W -n --keep-going --path-output _build/student
	@echo "학생용 사이트: file://$(CURDIR)/_build/student/_build/html/index.html"

test: book student-book
	$(BIN)/python -m pytest

test-lib: venv
	$(BIN)/python -m pytest tests -k "not browser and not site"

notebooks: venv
	$(BIN)/python scripts/make_notebooks.py

lab: venv
	$(BIN)/jupyter lab chapters/

release: venv
	$(BIN)/python scripts/coursework.py release

autograde: venv
	$(BIN)/python scripts/coursework.py autograde $(SUBMISSIONS)

grades: venv
	$(BIN)/python scripts/coursework.py export $(GRADES)

bench: venv
	$(BIN)/python benchmarks/bench_initializers.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_explorer.py

clean:
	rm -rf _build
