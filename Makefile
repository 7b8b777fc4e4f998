# gorl — build, test and benchmark targets. `make run` and `make test` work on a fresh
# Debian machine with Go installed: `deps` installs the system packages they need.

GO       ?= go
BIN      := bin/gorl
SHARED   ?= ../shared
DEB_PKGS := libmujoco-dev libopenblas-dev xorg-dev libgl1-mesa-dev xvfb
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test bench bench-nn bench-ppo bench-peer-deps clean

all: build

# deps installs the Debian packages gorl needs (MuJoCo for physics3d, OpenBLAS for the
# optional BLAS backend, X11/GL headers and Xvfb for rendering) when any is missing.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "gorl needs these Debian packages:$$missing (no apt-get here: install them by hand)"; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null \
	    || { echo "could not install$$missing with apt-get (need root or sudo)"; exit 1; }; \
	fi

build: deps
	$(GO) build -o $(BIN) ./cmd/gorl

# run: the main job — a short end-to-end demonstration, printing its summary.
run: build
	./$(BIN) rollout --env CartPole-v1 --policy random --episodes 20 --seed 1 --run-dir runs/demo-random
	./$(BIN) logs summary runs/demo-random

test: deps
	$(GO) vet ./...
	$(GO) test ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Peers are PyTorch scripts run with Debian's python3-torch, side by side with gorl.
bench-peer-deps:
	@python3 -c 'import torch' 2>/dev/null || /usr/bin/python3 -c 'import torch' 2>/dev/null || \
	  { echo "installing python3-torch"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-torch >/dev/null; }

clean:
	rm -rf bin
