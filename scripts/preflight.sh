#!/usr/bin/env bash
# Preflight for `eng5-runner --mode execute` (SPEC §9): is everything an execute run needs there?
#
# Usage: scripts/preflight.sh [-h|--help]
#
# Checks, each printed as PASS / FAIL (with the fix to apply) / SKIP:
#   python          the runner's Python is 3.11 or newer
#   runner          eng5-runner is installed (in PATH, ./.venv/bin or the repo's .venv/bin)
#   dataset         the dataset folder is complete (SPEC §3)
#   output          the output folder is writable
#   kafka           the broker answers and the five SPEC §4.1 topics exist
#   content-service the Content Service answers 2xx on its health URL
#   cj-service      the CJ service answers 2xx on <CJ_SERVICE_URL>/healthz (or on CJ_HEALTH_URL);
#                   SKIP, counted as passed, when neither is set: a guest run reaches CJ only
#                   over Kafka (an assignment run needs CJ_SERVICE_URL for its preflight)
# Exit 0 only when no check failed, 1 otherwise.
#
# Reads the runner's environment with the runner's defaults:
#   ENG5_DATASET_DIR         default: the sample dataset bundled with the runner
#   ENG5_OUTPUT_DIR          default: ./eng5_runs (the parent of the default ./eng5_runs/<batch-id>)
#   KAFKA_BOOTSTRAP_SERVERS  default: localhost:9092
#   KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD,
#   KAFKA_SSL_CAFILE         as for the runner; the password is never printed
#   CONTENT_SERVICE_URL      default: http://localhost:8001/v1/content
# and, for the preflight only:
#   CONTENT_SERVICE_HEALTH_URL  default: <origin of CONTENT_SERVICE_URL>/healthz
#   CJ_SERVICE_URL              the CJ service's HTTP API, e.g. http://localhost:8002 (as for the runner)
#   CJ_HEALTH_URL               an explicit health URL instead, e.g. http://localhost:8002/healthz
#   ENG5_PREFLIGHT_TIMEOUT      seconds per network check, default 5
#
# Needs no Docker: against the compose stack it checks the ports published on localhost;
# inside the runner container it is /opt/eng5/scripts/preflight.sh (see docs/RUNBOOK.md).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
# The same defaults as eng5_np.settings (a test keeps them in step).
DEFAULT_KAFKA_BOOTSTRAP="localhost:9092"
DEFAULT_CONTENT_SERVICE_URL="http://localhost:8001/v1/content"
MIN_PYTHON="3.11"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "preflight: unknown argument '$1' (try --help)" >&2
  exit 2
fi

TIMEOUT_S="${ENG5_PREFLIGHT_TIMEOUT:-5}"
if ! [[ "$TIMEOUT_S" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "preflight: ENG5_PREFLIGHT_TIMEOUT must be a number of seconds, got '$TIMEOUT_S'" >&2
  exit 2
fi
KAFKA_BOOTSTRAP="${KAFKA_BOOTSTRAP_SERVERS:-$DEFAULT_KAFKA_BOOTSTRAP}"
CONTENT_URL="${CONTENT_SERVICE_URL:-$DEFAULT_CONTENT_SERVICE_URL}"

passed=0
failed=0
skipped=0

report_pass() { # name detail
  printf 'PASS  %-16s %s\n' "$1" "$2"
  passed=$((passed + 1))
}

report_fail() { # name detail fix
  printf 'FAIL  %-16s %s\n' "$1" "$2"
  printf '      %-16s fix: %s\n' "" "$3"
  failed=$((failed + 1))
}

report_skip() { # name detail
  printf 'SKIP  %-16s %s\n' "$1" "$2"
  skipped=$((skipped + 1))
}

# URLs may carry user:password@ — show them without it.
redact_url() {
  printf '%s' "$1" | sed -E 's#(://)[^/@]*@#\1***@#'
}

# Run a command with a wall-clock limit where coreutils' timeout exists (not on stock macOS).
with_timeout() { # seconds command...
  local seconds="$1"
  shift
  if command -v timeout > /dev/null 2>&1; then
    timeout "$seconds" "$@"
  else
    "$@"
  fi
}

# --- locate the runner and the Python it runs on ------------------------------------------
RUNNER=""
if command -v eng5-runner > /dev/null 2>&1; then
  RUNNER="$(command -v eng5-runner)"
else
  for candidate in "$PWD/.venv/bin/eng5-runner" "$REPO_ROOT/.venv/bin/eng5-runner"; do
    if [[ -x "$candidate" ]]; then
      RUNNER="$candidate"
      break
    fi
  done
fi

# The console script's shebang names the interpreter that has eng5_np and aiokafka.
RUNNER_PYTHON=""
if [[ -n "$RUNNER" ]]; then
  shebang="$(head -n 1 "$RUNNER" 2> /dev/null || true)"
  interpreter="${shebang#\#!}"
  if [[ "$shebang" == "#!"* && -x "${interpreter%% *}" && "$interpreter" != *" "* ]]; then
    RUNNER_PYTHON="$interpreter"
  elif [[ -x "$(dirname "$RUNNER")/python" ]]; then
    RUNNER_PYTHON="$(dirname "$RUNNER")/python"
  fi
  if [[ -n "$RUNNER_PYTHON" ]] && ! "$RUNNER_PYTHON" -c 'import eng5_np' > /dev/null 2>&1; then
    RUNNER_PYTHON=""
  fi
fi
# Any Python 3 will do for the HTTP checks (standard library only).
HTTP_PYTHON="$RUNNER_PYTHON"
if [[ -z "$HTTP_PYTHON" ]]; then
  HTTP_PYTHON="$(command -v python3 || true)"
fi
INSTALL_FIX="run scripts/setup.sh in the repo (creates ./.venv), or: pip install eng5-runner"

echo "eng5-runner preflight (network timeout ${TIMEOUT_S} s per check)"

# --- python -----------------------------------------------------------------------------------
check_python() {
  local python="${RUNNER_PYTHON:-$HTTP_PYTHON}"
  if [[ -z "$python" ]]; then
    report_fail python "no Python 3 found" "install Python $MIN_PYTHON or newer, then $INSTALL_FIX"
    return
  fi
  local version
  if version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>&1)" \
    && "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' > /dev/null 2>&1; then
    report_pass python "Python $version ($python)"
  else
    report_fail python "Python ${version:-?} at $python is older than $MIN_PYTHON" \
      "install Python $MIN_PYTHON or newer and create the venv with it (PYTHON=python3.11 scripts/setup.sh)"
  fi
}

# --- runner -----------------------------------------------------------------------------------
check_runner() {
  if [[ -z "$RUNNER" ]]; then
    report_fail runner "eng5-runner not found in PATH, ./.venv/bin or $REPO_ROOT/.venv/bin" \
      "$INSTALL_FIX"
    return
  fi
  local version
  if ! version="$(with_timeout 60 "$RUNNER" --version 2>&1)"; then
    report_fail runner "$RUNNER does not run: $(printf '%s' "${version:-no output}" | tail -n 1)" \
      "reinstall: $INSTALL_FIX"
  elif [[ -z "$RUNNER_PYTHON" ]]; then
    report_fail runner "$RUNNER runs, but its Python could not be found from its first line" \
      "reinstall it into a virtualenv: $INSTALL_FIX"
  else
    report_pass runner "$version ($RUNNER)"
  fi
}

# --- dataset ----------------------------------------------------------------------------------
count_essays() { # folder → number of supported essay files in it
  find "$1" -maxdepth 1 -type f \( -iname '*.txt' -o -iname '*.md' -o -iname '*.docx' \
    -o -iname '*.pdf' \) 2> /dev/null | wc -l | tr -d ' '
}

check_dataset() {
  local dataset origin
  if [[ -n "${ENG5_DATASET_DIR:-}" ]]; then
    dataset="$ENG5_DATASET_DIR"
    origin="ENG5_DATASET_DIR"
  elif [[ -n "$RUNNER_PYTHON" ]] && dataset="$("$RUNNER_PYTHON" -c \
    'from eng5_np.settings import bundled_sample_dataset; print(bundled_sample_dataset())' \
    2> /dev/null)"; then
    origin="bundled sample dataset"
  else
    report_fail dataset "ENG5_DATASET_DIR is not set and the runner (with its bundled sample dataset) is not installed" \
      "set ENG5_DATASET_DIR to your dataset folder, or $INSTALL_FIX"
    return
  fi
  if [[ ! -d "$dataset" ]]; then
    report_fail dataset "$dataset ($origin) is not a folder" \
      "point ENG5_DATASET_DIR at a folder laid out as in docs/RUNBOOK.md (SPEC §3)"
    return
  fi
  local missing=() anchors=0 students=0
  [[ -f "$dataset/instructions.md" ]] || missing+=("instructions.md")
  [[ -f "$dataset/prompt.md" ]] || missing+=("prompt.md")
  [[ -f "$dataset/anchors.csv" || -f "$dataset/anchors.xlsx" ]] || missing+=("anchors.csv (or anchors.xlsx)")
  if [[ -d "$dataset/anchor_essays" ]]; then
    anchors="$(count_essays "$dataset/anchor_essays")"
    [[ "$anchors" -gt 0 ]] || missing+=("essay files in anchor_essays/")
  else
    missing+=("anchor_essays/")
  fi
  if [[ -d "$dataset/student_essays" ]]; then
    students="$(count_essays "$dataset/student_essays")"
    [[ "$students" -gt 0 ]] || missing+=("essay files in student_essays/")
  else
    missing+=("student_essays/")
  fi
  if [[ ${#missing[@]} -eq 0 ]]; then
    report_pass dataset "$dataset ($origin): $anchors anchors, $students students"
  else
    local joined
    joined="$(printf '%s, ' "${missing[@]}")"
    report_fail dataset "$dataset ($origin) lacks: ${joined%, }" \
      "add what is missing (.txt/.md/.docx/.pdf essays), then run \`eng5-runner --mode plan\` for a file-by-file check"
  fi
}

# --- output folder ----------------------------------------------------------------------------
check_output() {
  local output origin
  if [[ -n "${ENG5_OUTPUT_DIR:-}" ]]; then
    output="$ENG5_OUTPUT_DIR"
    origin="ENG5_OUTPUT_DIR"
  else
    output="$PWD/eng5_runs"
    origin="default"
  fi
  local fix="set ENG5_OUTPUT_DIR to a folder you can write, or fix the permissions of $output"
  if [[ -e "$output" ]]; then
    local probe
    if [[ -d "$output" ]] && probe="$(mktemp "$output/.eng5-preflight.XXXXXX" 2> /dev/null)"; then
      rm -f "$probe"
      report_pass output "$output ($origin) is writable"
    else
      report_fail output "$output ($origin) is not a writable folder" "$fix"
    fi
    return
  fi
  # It does not exist yet: the runner creates it, so the nearest existing parent must let it.
  local parent="$output"
  while [[ ! -e "$parent" ]]; do
    parent="$(dirname "$parent")"
  done
  if [[ -d "$parent" && -w "$parent" && -x "$parent" ]]; then
    report_pass output "$output ($origin) can be created (in $parent)"
  else
    report_fail output "$output ($origin) cannot be created: $parent is not a writable folder" "$fix"
  fi
}

# --- kafka ------------------------------------------------------------------------------------
check_kafka() {
  if [[ -z "$RUNNER_PYTHON" ]]; then
    report_fail kafka "cannot check broker $KAFKA_BOOTSTRAP: the check needs the runner's Python (aiokafka)" \
      "$INSTALL_FIX"
    return
  fi
  local message status=0
  message="$(with_timeout "$((${TIMEOUT_S%.*} * 3 + 10))" "$RUNNER_PYTHON" \
    "$SCRIPT_DIR/kafka_check.py" --bootstrap "$KAFKA_BOOTSTRAP" --timeout "$TIMEOUT_S" 2>&1)" \
    || status=$?
  message="$(printf '%s' "$message" | tail -n 1)"
  case "$status" in
    0) report_pass kafka "$message" ;;
    1) report_fail kafka "$message" \
      "create the topics: \`docker compose up kafka_topics\` for the compose stack, or kafka-topics.sh --create for each (docs/RUNBOOK.md)" ;;
    *) report_fail kafka "${message:-broker $KAFKA_BOOTSTRAP: check failed (exit $status)}" \
      "start the broker (\`docker compose up -d --wait cj_service\` or \`eng5-runner stack up\`) or set KAFKA_BOOTSTRAP_SERVERS / KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* to the broker you use" ;;
  esac
}

# --- HTTP health ------------------------------------------------------------------------------
# Prints "HTTP <status>" or the connection error; exit 0 only for a 2xx answer. No proxy:
# health URLs are reached directly, as the runner reaches the services.
http_health() { # url
  with_timeout "$((${TIMEOUT_S%.*} + 10))" "$HTTP_PYTHON" - "$1" "$TIMEOUT_S" << 'PY'
import sys
import urllib.error
import urllib.request

url, timeout = sys.argv[1], float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(url, timeout=timeout) as response:
        print(f"HTTP {response.status}")
except urllib.error.HTTPError as error:
    print(f"HTTP {error.code}")
    sys.exit(1)
except Exception as error:  # connection refused, timeout, bad URL: all mean "not healthy"
    reason = getattr(error, "reason", error)
    print(f"no answer ({type(reason).__name__}: {reason})" if str(reason) else "no answer")
    sys.exit(2)
PY
}

check_http() { # name url origin-of-url fix
  local name="$1" url="$2" origin="$3" fix="$4" shown answer
  shown="$(redact_url "$url")"
  if [[ -z "$HTTP_PYTHON" ]]; then
    report_fail "$name" "cannot check $shown: no Python 3 found" "$INSTALL_FIX"
    return
  fi
  if answer="$(http_health "$url" 2>&1)"; then
    report_pass "$name" "$shown ($origin) answered $answer"
  else
    answer="$(printf '%s' "$answer" | tail -n 1)"
    report_fail "$name" "$shown ($origin): ${answer:-no answer}" "$fix"
  fi
}

check_content_service() {
  local url origin
  if [[ -n "${CONTENT_SERVICE_HEALTH_URL:-}" ]]; then
    url="$CONTENT_SERVICE_HEALTH_URL"
    origin="CONTENT_SERVICE_HEALTH_URL"
  elif [[ "$CONTENT_URL" =~ ^([a-zA-Z][a-zA-Z0-9+.-]*://[^/]+) ]]; then
    url="${BASH_REMATCH[1]}/healthz"
    origin="from CONTENT_SERVICE_URL"
  else
    report_fail content-service "CONTENT_SERVICE_URL '$(redact_url "$CONTENT_URL")' is not an http(s) URL" \
      "set CONTENT_SERVICE_URL like $DEFAULT_CONTENT_SERVICE_URL"
    return
  fi
  check_http content-service "$url" "$origin" \
    "start it (\`docker compose up -d --wait content_service\` or \`eng5-runner stack up\`), or set CONTENT_SERVICE_URL (CONTENT_SERVICE_HEALTH_URL if its health lives elsewhere)"
}

check_cj_service() {
  if [[ -n "${CJ_SERVICE_URL:-}" ]]; then
    check_http cj-service "${CJ_SERVICE_URL%/}/healthz" "CJ_SERVICE_URL" \
      "start it (\`docker compose up -d --wait cj_service\` or \`eng5-runner stack up\`), or fix or unset CJ_SERVICE_URL"
    return
  fi
  if [[ -z "${CJ_HEALTH_URL:-}" ]]; then
    report_skip cj-service "neither CJ_SERVICE_URL nor CJ_HEALTH_URL set: a guest run reaches CJ only over Kafka (counted as passed)"
    return
  fi
  check_http cj-service "$CJ_HEALTH_URL" "CJ_HEALTH_URL" \
    "start it (\`docker compose up -d --wait cj_service\` or \`eng5-runner stack up\`), or fix or unset CJ_HEALTH_URL"
}

check_python
check_runner
check_dataset
check_output
check_kafka
check_content_service
check_cj_service

total=$((passed + failed + skipped))
if [[ "$failed" -eq 0 ]]; then
  echo "preflight OK: all $total checks passed ($skipped skipped)"
  exit 0
fi
echo "preflight FAILED: $failed of $total checks failed; apply the fixes above and run it again"
exit 1
