#!/usr/bin/env bash
# The bash completion shipped in the door-scheduler package (deploy/bash-completion/door-scheduler)
# offers every command and every option the scheduler's help lists, and the job ids of the store
# the command line names. bash-completion's two helpers it calls are stood in for here, so the
# check needs no package beyond bash. Usage: check-completion.sh DOOR_SCHEDULER
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
scheduler=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
ln -s "$scheduler" "$tmp/bin/door-scheduler"
export PATH="$tmp/bin:$PATH"

fail() {
  echo "check-completion: $*" >&2
  exit 1
}

# bash-completion's helpers, as far as the completion uses them (it reads what they set).
# shellcheck disable=SC2034
_init_completion() {
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  words=("${COMP_WORDS[@]}")
  cword=$COMP_CWORD
}
_filedir() { :; }
# shellcheck source=/dev/null
source "$source_dir/deploy/bash-completion/door-scheduler"

# What the completion offers for a command line whose last word is being typed.
offered() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _door_scheduler
  echo " ${COMPREPLY[*]} "
}

expect_all() {  # WHERE OFFERED WORD...
  local where=$1 offer=$2
  shift 2
  for w in "$@"; do
    [[ $offer == *" $w "* ]] || fail "$where: '$w' is not offered (offered:$offer)"
  done
}

commands=$(door-scheduler --help | awk '/^commands:/ {on = 1; next} /^$/ {on = 0} on && /^  [a-z]/ {print $1}' | sort -u)
[ -n "$commands" ] || fail "no commands in door-scheduler --help"
# shellcheck disable=SC2086
expect_all "the commands" "$(offered door-scheduler "")" $commands
# shellcheck disable=SC2046
expect_all "the global options" "$(offered door-scheduler --)" \
  $(door-scheduler --help | sed -n '/^global options:/,$p' | grep -o -- '--[a-z-]*' | sort -u)
checked=0
for command in $commands; do
  [ "$command" = help ] && continue
  # The options its usage lines and option list name (the prose may name other commands' options).
  options=$(door-scheduler help "$command" | { grep -E -- '^(usage:| +door-scheduler| +--)' || true; } |
    { grep -o -- '--[a-z-]*' || true; } | sort -u)
  case "$command" in
    schedule) offer="$(offered door-scheduler schedule method --)$(offered door-scheduler schedule twin --)" ;;
    twin) offer="$(offered door-scheduler twin set --)$(offered door-scheduler twin show --)" ;;
    job | watch | cancel | run) offer=$(offered door-scheduler "$command" j1 --) ;;
    *) offer=$(offered door-scheduler "$command" --) ;;
  esac
  # shellcheck disable=SC2086
  expect_all "door-scheduler $command" "$offer" $options
  checked=$((checked + 1))
done
# --wait-ack is a twin job's: not offered for a method job.
[[ "$(offered door-scheduler schedule method --wait)" != *" --wait-ack "* ]] ||
  fail "--wait-ack is offered for schedule method"

# Job ids, from the store the command line names.
door-scheduler --store "$tmp/jobs.db" schedule method --query "deviceId = 'x'" --method m \
  --in 1h --id lock-later >/dev/null
expect_all "job ids" "$(offered door-scheduler --store "$tmp/jobs.db" job "")" lock-later
expect_all "job ids" "$(offered door-scheduler --store "$tmp/jobs.db" cancel lock)" lock-later

echo "check-completion: $(wc -w <<<"$commands") commands, the options of $checked and job ids offered"
