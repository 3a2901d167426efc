# Two entry points for a fresh clone: `make run` (launch the app) and `make test` (whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench screenshots builder-screenshots teaching-screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e ".[dev,export,parity]"
	touch $@

run: $(VENV)/.app-installed
	$(BIN)/ffstudio

test: $(VENV)/.dev-installed
	$(BIN)/ruff check core studio tests
	$(BIN)/python -m pytest -q

bench: $(VENV)/.dev-installed
	$(BIN)/python tests/benchmarks/engine.py
	$(BIN)/python tests/benchmarks/gui.py

# README pictures (spiral, CSV, MNIST) rendered offscreen by the app itself after some training
screenshots: $(VENV)/.dev-installed
	mkdir -p assets/screenshots
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot assets/examples/spiral.json -o assets/screenshots/spiral.png --train-epochs 300
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot assets/examples/penguins.json -o assets/screenshots/csv.png --train-epochs 40 --show evaluation
	QT_QPA_PLATFORM=offscreen FFSTUDIO_MNIST_DIR=$${FFSTUDIO_MNIST_DIR:-../shared/datasets/mnist} $(BIN)/ffstudio screenshot assets/examples/mnist_mlp.json -o assets/screenshots/mnist.png --train-epochs 2

# Builder pictures (issue 4): blank canvas, every template, a validation error, dark theme, 2x scaling
BUILDER_SHOTS := assets/screenshots/builder
TEMPLATE_KEYS := playground perceptron logistic xor spiral mnist
builder-screenshots: $(VENV)/.dev-installed
	mkdir -p $(BUILDER_SHOTS)
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot --empty --theme light -o $(BUILDER_SHOTS)/empty.png
	for t in $(TEMPLATE_KEYS); do \
	  QT_QPA_PLATFORM=offscreen FFSTUDIO_MNIST_DIR=$${FFSTUDIO_MNIST_DIR:-../shared/datasets/mnist} \
	    $(BIN)/ffstudio screenshot --template $$t --theme light --show curves -o $(BUILDER_SHOTS)/template-$$t.png || exit 1; \
	done
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot --template xor --break --theme light -o $(BUILDER_SHOTS)/validation-error.png
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot --template spiral --train-epochs 30 --theme dark -o $(BUILDER_SHOTS)/spiral-dark.png
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot --template playground --break --theme dark -o $(BUILDER_SHOTS)/validation-error-dark.png
	QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 $(BIN)/ffstudio screenshot --template playground --train-epochs 20 --theme light --size 1100x680 -o $(BUILDER_SHOTS)/playground@2x.png

# Teaching pictures (issue 13): feature inputs, Explain (XOR point, MNIST digit), learning-rate finder, Record toggle
# (its GIF goes to a temporary folder), the ffstudio record GIF. The Runs picture is made by hand (three runs).
TEACH_SHOTS := assets/screenshots/teaching
teaching-screenshots: $(VENV)/.dev-installed
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot assets/examples/spiral_features.json --train-epochs 300 --size 1440x900 -o $(TEACH_SHOTS)/spiral-features.png
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot assets/examples/xor.json --train-epochs 100 --explain --size 1440x900 -o $(TEACH_SHOTS)/explain.png
	QT_QPA_PLATFORM=offscreen FFSTUDIO_MNIST_DIR=$${FFSTUDIO_MNIST_DIR:-../shared/datasets/mnist} $(BIN)/ffstudio screenshot assets/examples/mnist_mlp.json --train-epochs 1 --explain --size 1440x900 -o $(TEACH_SHOTS)/explain-digit.png
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot assets/examples/spiral.json --lr-find --size 1440x900 -o $(TEACH_SHOTS)/lr-finder.png
	tmp=$$(mktemp -d) && QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio screenshot assets/examples/spiral.json --train-epochs 150 --record --size 1440x900 -o $$tmp/record-toggle.png && cp $$tmp/record-toggle.png $(TEACH_SHOTS)/ && rm -r $$tmp
	QT_QPA_PLATFORM=offscreen $(BIN)/ffstudio record assets/examples/spiral.json -o $(TEACH_SHOTS)/spiral-run.gif --size 560x300 --every 10 --fps 8
