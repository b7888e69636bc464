# Two commands do all the set-up on a fresh machine:
#   make book   - virtual environment + install + execute every chapter + build the site
#   make test   - the same, then every test (library, notebooks, site, PDF, browser, coursework)

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
# cache: re-run only chapters whose code changed; force: execute every chapter anew (CI)
EXECUTE ?= cache
SUBMISSIONS ?= submissions
# coursework: which assignment (assignments/source/<name>.md, or $$COURSEWORK_SOURCE/<name>.md)
ASSIGNMENT ?= weight_init
GRADES  ?= _build/coursework/grades-$(ASSIGNMENT).csv
# optional term settings: ROSTER=roster.csv DEADLINE=2026-04-03T23:59:00+09:00 LATE_PENALTY=10
ROSTER  ?=
DEADLINE ?=
LATE_PENALTY ?= 0
CW       = $(BIN)/python -m coursework --assignment $(ASSIGNMENT)
TERM_OPTS = $(if $(ROSTER),--roster $(ROSTER)) --submissions-dir $(SUBMISSIONS) $(if $(DEADLINE),--deadline $(DEADLINE)) --late-penalty $(LATE_PENALTY)

export PATH := $(CURDIR)/$(BIN):$(PATH)
# pip installs without byte-compiling (--no-compile, below), so Python writes each module's
# bytecode when it is first imported. An environment that sets PYTHONDONTWRITEBYTECODE (as some CI
# images do) would forbid that, and then every process (Sphinx, the chapters' kernels, the test workers,
# every grading command) compiles each module it imports anew, every time.
unexport PYTHONDONTWRITEBYTECODE
export MPLBACKEND := Agg
# No OPENBLAS_NUM_THREADS here: the chapters run exactly as a student's Jupyter or Colab runs
# them. The library limits BLAS threads in its hot paths and the chapters that multiply
# matrices themselves call weightinit.limit_blas_threads() in their first cell (see
# weightinit/threads.py); benchmarks/bench_chapters.py checks the times without the variable.

# The kernels of the build log errors only. ipykernel 7 warns at every start that a TCP kernel
# is unencrypted; myst-nb starts the build's kernels itself and offers no setting for the IPC
# transport or CurveZMQ keys, so the kernel's own log level is set instead, in IPython's
# per-environment config folder: this affects only the kernels of $(VENV).
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.json

.PHONY: help venv book student-book pdf test test-offline test-site test-lib notebooks lab release autograde regrade import-lms grades feedback manual-review bench clean

help:
	@echo "make book          사이트를 _build/html 에 빌드 (가상환경 설치, 모든 장 실행 포함)"
	@echo "make test          모든 테스트 (라이브러리, 노트북, 사이트, PDF, 브라우저, 과제)"
	@echo "make lab           JupyterLab 에서 장(chapters/*.md)을 노트북으로 열기"
	@echo "make notebooks     notebooks/*.ipynb (기준 출력) 다시 만들기"
	@echo "make student-book  풀이를 뺀 학생용 사이트를 _build/student/_build/html 에 빌드"
	@echo "make pdf           인쇄용 PDF: 책 전체와 장마다 하나씩 (두 사이트 모두, 각 사이트의 pdf/ 에)"
	@echo "make release | autograde SUBMISSIONS=dir [JOBS=N] | grades   과제 배포, 채점, 성적표 (ASSIGNMENT=weight_init|signal_propagation)"
	@echo "make import-lms ZIP=파일.zip ROSTER=명단.csv   Canvas/Moodle 제출물 압축 파일을 SUBMISSIONS 로 정리"
	@echo "make regrade STUDENT=학번 | feedback | manual-review   한 학생 재채점, 학생별 피드백, 서술형 채점 대기 목록"
	@echo "make bench         벤치마크 (초기화 함수, 엔진, 빌드, 채점 처리량, 장마다 실행 시간: 조용할 때와 코어 하나가 바쁠 때)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --no-compile: pip would byte-compile every file of every package (half the install's time);
# Python compiles the modules that are imported, once, on first use
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile --disable-pip-version-check -r requirements.txt
	@touch $@

$(KERNEL_CONFIG): etc/ipython/ipython_kernel_config.json | $(BIN)/python
	install -D -m 644 $< $@

venv: $(VENV)/.installed $(KERNEL_CONFIG)

# jupyter-cache keys a chapter on its code cells only, so a change in weightinit alone would keep
# the old outputs: the cache is dropped whenever the library's files differ from those it ran with.
# Sphinx re-reads (and so executes) only documents whose source changed: dropping the cache drops
# both editions' saved environments too, or the other chapters would simply not run again.
LIBRARY_STAMP := _build/.jupyter_cache/weightinit.sha256
library_hash = $$(find weightinit -type f -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)
DROP_EXECUTION = rm -rf _build/.jupyter_cache _build/.doctrees _build/student/_build/.doctrees

book: venv
	@if [ "$(EXECUTE)" = force ]; then $(DROP_EXECUTION); \
	elif [ "$$(cat $(LIBRARY_STAMP) 2>/dev/null)" != "$(library_hash)" ]; then \
	  echo "weightinit changed since the chapters were executed (or they never were): every chapter runs"; $(DROP_EXECUTION); fi
	@mkdir -p _build/.jupyter_cache && echo "$(library_hash)" > $(LIBRARY_STAMP)
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

# Print both sites to PDF with Debian's Chromium (scripts/make_pdf.py); each site links its own.
# BROWSER_INSTALL (set by .ci/run, which installs the browser while the books are built): a file
# that will hold the exit status of that install; printing waits for it and stops if it failed.
BROWSER_INSTALL ?=
pdf: student-book
ifneq ($(BROWSER_INSTALL),)
	@until [ -s $(BROWSER_INSTALL) ]; do sleep 1; done; \
	if [ "$$(cat $(BROWSER_INSTALL))" != 0 ]; then echo "installing the browser failed (exit status $$(cat $(BROWSER_INSTALL)))"; exit 1; fi
endif
	$(BIN)/python scripts/make_pdf.py _build/html _build/student/_build/html

# The suite is mostly single-threaded work (Chromium pages, sandboxed kernels):
# one worker per core, each taking whole test files (module fixtures such as the browser's
# audit of every page stay in one process). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= auto
# It runs as two streams at the same time. The tests that need neither built site (library,
# chapter sources, grading) start at once, while the books are built and printed, which keeps
# only about one core busy (Sphinx, and one chapter's kernel at a time); every other test starts
# when both sites and their PDFs exist. A test file not listed here waits for the build, so a
# new test never runs before what it reads is there.
OFFLINE_TESTS := $(sort $(wildcard tests/test_init_*.py tests/test_engine_*.py)) \
	tests/test_chapter_text.py tests/test_diagnostics.py tests/test_parametrization.py \
	tests/test_reading_time.py tests/test_recurrent.py tests/test_residual.py tests/test_threads.py \
	tests/test_transformer.py tests/test_coursework.py tests/test_coursework_kit.py \
	tests/test_coursework_shard.py tests/test_grading_adversarial.py tests/test_grading_third_round.py \
	tests/test_sandbox.py \
	tests/test_signal_assignment.py
PYTEST = $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test: venv
	@$(MAKE) --no-print-directory --output-sync=target -j2 test-offline test-site

test-offline: venv
	$(PYTEST) $(OFFLINE_TESTS)

test-site: book student-book pdf
	$(PYTEST) tests $(addprefix --ignore=,$(OFFLINE_TESTS))

test-lib: venv
	$(BIN)/python -m pytest tests -k "not browser and not site"

notebooks: venv
	$(BIN)/python scripts/make_notebooks.py

lab: venv
	$(BIN)/jupyter lab chapters/

release: venv
	$(CW) release

autograde: venv
	$(CW) autograde $(SUBMISSIONS)

regrade: venv
	@test -n "$(STUDENT)" || { echo "사용법: make regrade STUDENT=학번 [SUBMISSIONS=폴더]"; exit 2; }
	$(CW) regrade $(SUBMISSIONS) $(STUDENT)

import-lms: venv
	@test -n "$(ZIP)" -a -n "$(ROSTER)" || { echo "사용법: make import-lms ZIP=제출물.zip ROSTER=명단.csv [SUBMISSIONS=폴더]"; exit 2; }
	$(CW) import $(ZIP) $(SUBMISSIONS) --roster $(ROSTER)

grades: venv
	$(CW) grades $(GRADES) $(TERM_OPTS)

feedback: venv
	$(CW) feedback $(TERM_OPTS)

manual-review: venv
	$(CW) manual-review

bench: venv
	$(BIN)/python benchmarks/bench_initializers.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_grading.py
	$(BIN)/python benchmarks/bench_chapters.py
	$(BIN)/python benchmarks/bench_explorer.py
	$(BIN)/python benchmarks/bench_pages.py
	$(BIN)/python benchmarks/bench_stall.py practice --runs 20
	$(BIN)/python benchmarks/bench_bytecode.py

clean:
	rm -rf _build
