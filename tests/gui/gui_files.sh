#!/usr/bin/env bash
# Files in the window: under Xvfb, alice (voixer cli) shares a text file
# and a picture in #lobby; bob's window shows both, the picture as a
# thumbnail (fetched and decoded on its own); a click on the text file's
# Download button saves it in bob's download directory and shows Open. Then
# bob drops a file on his window (XDND, as a file manager does it) and
# alice gets it, byte-exact. Screenshots in ARTEFACTS_DIR.
#
#   gui_files.sh VOIXER_EXE ARTEFACTS_DIR XDND_DROP_EXE
set -euo pipefail
source "$(dirname "$0")/common.sh"
xdnd_drop=$3
# Where the first file's Download button is in the 1200x760 window at font
# scale 1 (from a screenshot): the first line after "alice joined".
DOWNLOAD_X=587 DOWNLOAD_Y=77


start_display

start_server

"$exe" --nick bob --join "127.0.0.1:$port" --trace "$work/trace" --download-dir "$work/downloads" \
  >"$work/gui.out" 2>"$work/gui.err" &
pids+=($!)
wait_for "$work/trace" "^shown main screen$" 10

convert -size 480x300 gradient:SteelBlue-Orange -fill white -pointsize 48 \
  -font DejaVu-Sans -annotate +70+170 'de_dust2 at 9' "$work/tonight.png"
printf 'bring a power strip\n' >"$work/notes.txt"
mkfifo "$work/alice.in"
"$exe" cli --no-voice --nick alice "127.0.0.1:$port" <"$work/alice.in" >"$work/alice.out" 2>&1 &
pids+=($!)
exec 4>"$work/alice.in"
wait_for "$work/alice.out" "^USERLIST #lobby" 10
# One after the other, so that the lines come in this order.
echo "/send $work/notes.txt" >&4
wait_for "$work/alice.out" "notes.txt: sent to #lobby" 20
echo "/send $work/tonight.png" >&4
wait_for "$work/trace" "^shown thumbnail tonight.png$" 20
wait_for "$work/trace" "^shown #lobby alice: notes.txt$" 10
sleep 0.5
import -window root "$out/files-1-thumbnail.png"
xdotool mousemove "$DOWNLOAD_X" "$DOWNLOAD_Y" click 1
wait_for "$work/trace" "^file done notes.txt: saved $work/downloads/notes.txt" 10
cmp "$work/notes.txt" "$work/downloads/notes.txt" || fail "the downloaded file differs"
sleep 0.3
import -window root "$out/files-2-downloaded.png"

# A file dropped on the conversation goes to #lobby.
head -c 3000000 /dev/urandom >"$work/replay.dem"
window=$(xdotool search --name '^Voixer$' | head -1)
"$xdnd_drop" "$window" 600 400 "$work/replay.dem" || fail "the window did not take the drop"
wait_for "$work/trace" "^sending file $work/replay.dem to #lobby$" 10
wait_for "$work/alice.out" "^FILE bob #lobby [0-9]+ [0-9a-f]+ 3000000 [0-9a-f]+: replay.dem$" 20
sleep 0.3
import -window root "$out/files-3-dropped.png"
echo "/get 3 $work/alice-downloads" >&4
wait_for "$work/alice.out" "replay.dem: saved" 20
cmp "$work/replay.dem" "$work/alice-downloads/replay.dem" || fail "alice's copy of the dropped file differs"
exec 4>&-
echo "PASS: bob's window shows alice's picture as a thumbnail, one click saved her text file, a file dropped on it reached alice; screenshots in $out"
