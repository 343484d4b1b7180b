#!/usr/bin/env bash
# Every tutorial against a table of bad command lines and config files: each
# must exit non-zero within seconds, before any training, with one error line
# on stderr, "error: ...", naming what is wrong. Never a crash, a silent
# default, or a run that trains first and fails at the end.
#   bad_command_lines.sh BIN_DIR WORK_DIR
set -u
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1

# Config files.
echo '{"epochs": 3' > syntax.json
python_free_deep() { local n=$1; printf '%*s' "$n" '' | tr ' ' '['; printf '%*s' "$n" '' | tr ' ' ']'; }
python_free_deep 100000 > deep.json
echo '{"epochs": 1e400}' > overflow.json
echo '[1, 2]' > list.json
echo '{"epochz": 3}' > unknown.json
echo '{"lr": 0.1, "lr": 0.2}' > duplicate.json
echo '{"batch_size": "ten"}' > wrong_type.json
echo '{"batch_size": 1.5}' > not_whole.json
echo '{"batch_size": 1e9}' > huge_batch.json
echo '{"batch_size": 9.223372036854775808e18}' > two_to_63.json
echo '{"max_len": 1000000}' > huge_len.json
echo '{"beam_width": 1000000000}' > huge_beam.json
# Each key within its limit, together far beyond any laptop's memory.
echo '{"batch_size": 4096, "max_len": 512, "hidden_size": 2048}' > huge_pair_model.json
echo '{"batch_size": 4096, "max_len": 512, "heads": 64, "layers": 64}' > huge_transformer.json
echo '{"batch_size": 4096, "canvas": 1024, "channels": [512, 512, 512]}' > huge_cnn.json
echo '{"max_distance": 22}' > far_marks.json
echo '{"cnn_channels": [8, 4]}' > thin_cnn.json
echo '{"dataset": "mnist"}' > bad_dataset.json
echo '{"gan_channels": 4}' > thin_gan.json
echo '{"gan_batch_size": 4096, "gan_channels": 1024}' > huge_gan.json
printf '\x89PNG\r\n\x1a\nnot a config' > binary.json
mkdir -p a_directory empty_data_dir
printf 'no tab on this line\n\xff\xfe\n' > garbage.tsv
# A folder no file can be created in: read-only for a user, /proc for root.
mkdir -p read_only && chmod 555 read_only
unwritable=$work/read_only
[ "$(id -u)" -eq 0 ] && unwritable=/proc

failures=0
rows=0
# check TUTORIAL EXPECTED ARGS...: EXPECTED is a fixed string the error must contain.
check() {
  local t=$1 expected=$2
  shift 2
  rows=$((rows + 1))
  local out=$work/out_$rows
  local start end rc
  start=$(date +%s)
  timeout 30 "$bin/$t" --out "$out" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  end=$(date +%s)
  # The error is the last line; lines before it may only be the loader's
  # warnings about skipped input lines.
  local err errors
  err=$(tail -n 1 "$work/stderr")
  errors=$(grep -c '^error:' "$work/stderr")
  local why=""
  if [ $rc -eq 0 ]; then why="exited 0"
  elif [ $rc -eq 124 ]; then why="still running after 30 s (training?)"
  elif [ $rc -gt 128 ]; then why="killed by signal $((rc - 128))"
  elif [ "$errors" -ne 1 ]; then why="$errors lines starting with 'error:' on stderr, expected one"
  elif [[ $err != error:* ]]; then why="the last line of stderr does not start with 'error:'"
  elif [[ $err != *"$expected"* ]]; then why="the message lacks '$expected'"
  elif [ $((end - start)) -gt 10 ]; then why="took $((end - start)) s"
  elif [ -e "$out/metrics.json" ]; then why="wrote metrics.json: it trained"
  fi
  if [ -n "$why" ]; then
    failures=$((failures + 1))
    echo "FAIL $t $*: $why"
    sed 's/^/    stderr: /' "$work/stderr" | head -5
  else
    echo "ok   $t $* -> $err"
  fi
}

for t in 01_autograd 02_seq2seq_bottleneck 03_attention 04_self_attention 05_captioning \
    06_self_attention_cnn; do
  [ -x "$bin/$t" ] || { echo "FAIL no $bin/$t"; failures=$((failures + 1)); continue; }
  check $t "unknown option '--epochs'" --epochs 3
  check $t "unknown option '-q'" -q
  check $t "unexpected argument 'fast'" fast
  check $t "--seed expects a whole number" --seed abc
  check $t "--seed expects a whole number" --seed 99999999999999999999999
  check $t "--seed expects a whole number" --seed -1
  check $t "--threads expects a whole number >= 1" --threads 0
  check $t "--threads expects a whole number >= 1" --threads 2.5
  check $t "--quick takes no value" --quick=yes
  check $t "--config expects a JSON file" --config
  check $t "--config expects a JSON file, got ''" --config ""
  check $t "--config expects a JSON file, got ''" --config=
  check $t "no such file" --config missing.json
  check $t "is a directory" --config a_directory
  check $t "not valid JSON" --config syntax.json
  check $t "not valid JSON" --config binary.json
  check $t "nested more than 64" --config deep.json
  check $t "1e400" --config overflow.json
  check $t "expected a JSON object" --config list.json
  check $t "unknown key \"epochz\"" --config unknown.json
  check $t "\"lr\" appears twice" --config duplicate.json
  check $t "\"batch_size\" expects a whole number" --config wrong_type.json
  check $t "\"batch_size\" expects a whole number" --config not_whole.json
  check $t "\"batch_size\" expects a whole number in" --config two_to_63.json
  check $t "\"batch_size\" is 1e+09, above its limit of 4096" --config huge_batch.json
  check $t "cannot write files there" --out "$unwritable"
  check $t "--out: cannot create the directory" --out /dev/null/x
  check $t "--out expects a directory" --out ""
  case $t in
    01_autograd)
      check $t "--data '$work/nowhere': no such file" --data "$work/nowhere"
      check $t "missing train-images-idx3-ubyte" --data empty_data_dir
      ;;
    02_seq2seq_bottleneck | 03_attention)
      check $t "--data '$work/nowhere': no such file" --data "$work/nowhere"
      check $t "garbage.tsv" --data garbage.tsv
      check $t "\"max_len\" is 1e+06, above its limit of 512" --config huge_len.json
      check $t "encoder and decoder states" --config huge_pair_model.json
      ;;
    04_self_attention)
      check $t "04_self_attention: --data is not used by this tutorial" --data garbage.tsv
      check $t "\"max_len\" is 1e+06, above its limit of 512" --config huge_len.json
      check $t "Transformer attention maps" --config huge_transformer.json
      ;;
    05_captioning)
      check $t "--data '$work/nowhere': no such file" --data "$work/nowhere"
      check $t "no .json file there" --data empty_data_dir
      check $t "not valid JSON" --data syntax.json
      check $t "\"max_len\" is 1e+06, above its limit of 512" --config huge_len.json
      check $t "the convolutions' im2col columns" --config huge_cnn.json
      ;;
    06_self_attention_cnn)
      check $t "06_self_attention_cnn: --data is not used by this tutorial" --data garbage.tsv
      check $t "max_distance is 22" --config far_marks.json
      check $t "cnn_channels is 4; the attention layer needs at least 8" --config thin_cnn.json
      check $t "dataset is \"mnist\"; expected \"auto\", \"fashion_mnist\" or \"glyphs\"" --config bad_dataset.json
      check $t "gan_channels is 4; the attention layer needs at least 8" --config thin_gan.json
      check $t "G's and D's feature maps" --config huge_gan.json
      ;;
  esac
  case $t in
    03_attention | 05_captioning)
      check $t "\"beam_width\" is 1e+09, above its limit of 64" --config huge_beam.json
      ;;
  esac
done
chmod 755 read_only
echo "$rows command lines, $failures failures"
[ $failures -eq 0 ]
