#include "app/args.hpp"

#include <charconv>
#include <cmath>

namespace voixer::app {

Args::Args(const std::vector<std::string>& argv, std::set<std::string> valued,
           std::set<std::string> flags) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      m_positional.push_back(a);
      continue;
    }
    std::string name = a, inline_value;
    bool has_inline = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
      has_inline = true;
    }
    if (flags.count(name) && !has_inline) {
      m_flags.insert(name);
    } else if (valued.count(name)) {
      if (has_inline) {
        m_values[name] = inline_value;
      } else if (i + 1 < argv.size()) {
        m_values[name] = argv[++i];
      } else {
        m_error = "option " + name + " needs a value";
        return;
      }
    } else {
      m_error = "unknown option " + name + " (see --help)";
      return;
    }
  }
}

bool Args::has(const std::string& name) const {
  return m_flags.count(name) || m_values.count(name);
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = m_values.find(name);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

double Args::number(const std::string& name, double fallback, double min, double max) {
  auto v = value(name);
  if (!v) return fallback;
  double out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size() || !std::isfinite(out) ||
      out < min || out > max) {
    if (m_error.empty())
      m_error = "option " + name + " must be a number from " + std::to_string(static_cast<long long>(min)) +
                " to " + std::to_string(static_cast<long long>(max)) + ", not '" + *v + "'";
    return fallback;
  }
  return out;
}

}  // namespace voixer::app
