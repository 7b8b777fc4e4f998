# gorl — build, test and benchmark targets. `make run` and `make test` work on a fresh
# Debian machine with Go installed: `deps` installs the system packages they need.

GO       ?= go
BIN      := bin/gorl
SHARED   ?= ../shared
DEB_PKGS := gcc libc6-dev libmujoco-dev libopenblas-dev xorg-dev libgl1-mesa-dev xvfb libx264-dev chromium chromium-driver
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The commit gorl is built from goes into every run's config.json (gorl_version).
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all deps venv build run test fuzz bench bench-gym bench-nn bench-td3 bench-ppo bench-ppo-solve bench-ppo-final bench-peer-deps clean

all: build

# deps installs the Debian packages gorl needs (a C compiler for cgo, MuJoCo for
# physics3d, OpenBLAS for the optional BLAS backend, X11/GL headers and Xvfb for
# rendering, libx264 for MP4 video, chromium and chromedriver for the browser tests of
# gorl board) when any is missing.
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
	@$(MAKE) --no-print-directory venv

# venv makes .venv with the pinned Python packages of python/requirements.txt (Gymnasium
# with MuJoCo and ale-py for gym: environments, pandas, pyarrow, polars and TensorBoard for the log
# tests) when python3 exists, and puts python/ on its path for the gorl_gym bridge.
PYTHON ?= python3
VENV   := .venv
venv:
	@if ! command -v $(PYTHON) >/dev/null 2>&1; then \
	  echo "no $(PYTHON): skipping .venv (gym: environments and the Python tests need it)"; exit 0; fi; \
	if [ -f $(VENV)/.installed ] && [ $(VENV)/.installed -nt python/requirements.txt ] \
	  && grep -qsx "$$(pwd)/python" $(VENV)/lib/python3*/site-packages/gorl.pth; then exit 0; fi; \
	$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "$(PYTHON) -m venv failed: installing python3-venv"; rm -rf $(VENV); \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null \
	    && $(PYTHON) -m venv $(VENV); } || { echo "could not create $(VENV) with $(PYTHON) -m venv"; exit 1; }; \
	echo "installing python/requirements.txt into $(VENV)"; \
	$(VENV)/bin/pip install -q --disable-pip-version-check -r python/requirements.txt \
	  || { echo "pip could not install python/requirements.txt into $(VENV)"; exit 1; }; \
	$(VENV)/bin/python -c 'import site, sys; open(site.getsitepackages()[0] + "/gorl.pth", "w").write(sys.argv[1] + "\n")' "$$(pwd)/python"; \
	touch $(VENV)/.installed

build: deps
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/gorl

# run: the main job — a short end-to-end demonstration, printing its summary.
# It trains PPO (CleanRL's defaults) on CartPole-v1 for 500k steps.
run: build
	rm -rf runs/demo-ppo
	./$(BIN) train --env CartPole-v1 --algo ppo --seed 1 --run-dir runs/demo-ppo
	./$(BIN) logs summary runs/demo-ppo

test: deps
	$(GO) vet ./...
	GORL_BROWSER_TESTS=require $(GO) test ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=2s
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m pytest -q python/tests; \
	  else echo "no $(VENV): Python tests skipped (make deps creates it when python3 exists)"; fi

# fuzz runs every Go fuzz target (func FuzzXxx in a _test.go file) for FUZZTIME each;
# go test ./... already runs each target on its seed corpus (f.Add and testdata/fuzz).
# A failing input is saved under the package's testdata/fuzz and fails the target.
FUZZTIME ?= 60s
fuzz: deps
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
	  pkg=$$(dirname $$f); \
	  for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== $$name ($$pkg) for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Peers are PyTorch scripts run with Debian's python3-torch, side by side with gorl.
bench-peer-deps:
	@python3 -c 'import torch' 2>/dev/null || /usr/bin/python3 -c 'import torch' 2>/dev/null || \
	  { echo "installing python3-torch"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-torch >/dev/null; }

# bench-ppo: gorl's PPO against the PyTorch peer (same CleanRL defaults, same CartPole
# dynamics) in two parts. bench-ppo-solve: both stop once the mean return of the last 20
# episodes reaches 475; prints both per seed and the ratio of median wall-clock times to
# solve. bench-ppo-final: both train the full 500k steps without early stop over
# PPO_FINAL_SEEDS; prints each seed's final last-20 mean, both means with 95% t-intervals
# and Welch's interval of their difference (agents/ppo BenchmarkCartPoleParity). The peer
# runs PPO_PEER_JOBS at a time (about 100 s each on an idle core).
PPO_SEEDS ?= 1 2 3
PPO_FINAL_SEEDS ?= 1 2 3 4 5 6 7 8 9 10
PPO_PEER_JOBS ?= 2
bench-ppo: bench-ppo-solve bench-ppo-final

bench-ppo-final: bench-peer-deps
	@rm -rf runs/bench-ppo-final && mkdir -p runs/bench-ppo-final
	@printf '%s\n' $(PPO_FINAL_SEEDS) | xargs -P $(PPO_PEER_JOBS) -I{} sh -c \
	  '/usr/bin/python3 $(SHARED)/peers/torch_ppo_cartpole.py --seed {} --target 1e9 --max-steps 500000 > runs/bench-ppo-final/peer-final-s{}.json'
	PPO_PEER_RESULTS=$(CURDIR)/runs/bench-ppo-final $(GO) test ./agents/ppo -run '^$$' \
	  -bench '^BenchmarkCartPoleParity$$' -benchtime 1x -timeout 60m

bench-ppo-solve: build bench-peer-deps
	@rm -rf runs/bench-ppo && mkdir -p runs/bench-ppo
	@for s in $(PPO_SEEDS); do \
	  ./$(BIN) train --env CartPole-v1 --algo ppo --seed $$s --steps 500000 --stop-at-return 475 \
	    --step-every -1 --checkpoint-every -1 --quiet --json --run-dir runs/bench-ppo/gorl-s$$s \
	    | tee runs/bench-ppo/gorl-s$$s.json || exit 1; \
	  /usr/bin/python3 $(SHARED)/peers/torch_ppo_cartpole.py --seed $$s --target 475 --max-steps 500000 \
	    | tee runs/bench-ppo/peer-s$$s.json || exit 1; \
	done
	@/usr/bin/python3 -c 'import json, glob, statistics as st; \
	  load = lambda p: [json.load(open(f)) for f in sorted(glob.glob("runs/bench-ppo/" + p + "-s*.json"))]; \
	  g, p = load("gorl"), load("peer"); \
	  med = lambda rs, k: st.median(r[k] for r in rs); \
	  print("solved: gorl %d/%d, peer %d/%d" % (sum(r["solved"] for r in g), len(g), sum(r["solved"] for r in p), len(p))); \
	  print("median env steps to solve: gorl %d, peer %d" % (med(g, "env_steps"), med(p, "env_steps"))); \
	  print("median wall seconds to solve: gorl %.2f, peer %.2f" % (med(g, "wall_s"), med(p, "wall_s"))); \
	  print("ratio gorl/peer of median wall time: %.3f (peer is %.1fx slower)" % (med(g, "wall_s") / med(p, "wall_s"), med(p, "wall_s") / med(g, "wall_s")))'

# bench-gym: gym:CartPole-v1 through the Python bridge against Gymnasium stepped by Python
# itself (plain loop and SyncVectorEnv), 1 and 8 envs per process, 1 and 2 processes.
bench-gym: deps
	$(GO) test -run '^$$' -bench BridgeVsPython -benchtime 20000x ./env/gym

# bench-nn: one MLP training step in agents/nn (native kernel, then OpenBLAS) and in the
# PyTorch peer, single thread, same run; prints gorl/PyTorch per shape and an attention block.
bench-nn: deps bench-peer-deps
	$(GO) run ./agents/nn/benchnn -peer $(SHARED)/peers/torch_mlp.py
	OPENBLAS_NUM_THREADS=1 $(GO) run -tags openblas ./agents/nn/benchnn -peer $(SHARED)/peers/torch_mlp.py

# bench-td3: one TD3 update (batch 256) in gorl on 1 and 2 workers and in both PyTorch peers
# (CleanRL's MLP update, SGRL's SET update), single thread; prints ratios and parameter counts.
bench-td3: deps bench-peer-deps
	$(GO) run ./agents/td3/benchtd3 -peers $(SHARED)/peers

clean:
	rm -rf bin
