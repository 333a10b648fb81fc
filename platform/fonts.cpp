#include "platform/fonts.hpp"

#include <fontconfig/fontconfig.h>

#include <filesystem>
#include <memory>

namespace voixer::platform {

namespace {

// A fontconfig configuration of our own, released with everything
// fontconfig cached for it: the program asks twice, at start, and keeps
// nothing behind (leak checkers stay quiet).
struct Config {
  FcConfig* config = FcInitLoadConfigAndFonts();
  ~Config() {
    if (config) FcConfigDestroy(config);
    FcFini();
  }
};

}  // namespace

std::string find_font(const std::string& family, FontWeight weight) {
  Config fc;
  if (!fc.config) return {};
  std::unique_ptr<FcPattern, decltype(&FcPatternDestroy)> pattern(
      FcNameParse(reinterpret_cast<const FcChar8*>(family.c_str())), FcPatternDestroy);
  if (!pattern) return {};
  FcPatternAddInteger(pattern.get(), FC_WEIGHT,
                      weight == FontWeight::Bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
  // Only scalable outline fonts: ImGui rasterises TrueType/OpenType itself.
  FcPatternAddBool(pattern.get(), FC_SCALABLE, FcTrue);
  FcConfigSubstitute(fc.config, pattern.get(), FcMatchPattern);
  FcDefaultSubstitute(pattern.get());
  FcResult result = FcResultNoMatch;
  std::unique_ptr<FcPattern, decltype(&FcPatternDestroy)> match(
      FcFontMatch(fc.config, pattern.get(), &result), FcPatternDestroy);
  if (!match) return {};
  FcChar8* file = nullptr;
  if (FcPatternGetString(match.get(), FC_FILE, 0, &file) != FcResultMatch || !file) return {};
  std::string path(reinterpret_cast<const char*>(file));
  // ImGui aborts on a file it cannot open: only hand out what exists.
  std::error_code ec;
  return std::filesystem::exists(path, ec) ? path : std::string();
}

}  // namespace voixer::platform
