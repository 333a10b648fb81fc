// Speech for voice tests, made with espeak-ng and sox (both installed by
// scripts/ensure-deps.sh): 48 kHz mono WAV with silence before and after,
// so a call has time to start before the talking does.
#pragma once

#include <string>

namespace voixer::test {

// Writes `text` spoken to `path`, with `lead_s` seconds of silence before
// and `tail_s` after. Returns false (and the test should fail) when the
// tools are missing.
bool make_speech(const std::string& path, const std::string& text, double lead_s,
                 double tail_s);

// A fresh directory under /tmp for one test's files.
std::string temp_dir(const std::string& name);

}  // namespace voixer::test
