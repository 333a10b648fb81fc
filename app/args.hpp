// A small command-line reader: "--name value" and "--flag" options plus
// positional arguments, with errors a person can act on.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace voixer::app {

class Args {
 public:
  // `valued` lists the options that take a value, `flags` those that don't.
  Args(const std::vector<std::string>& argv, std::set<std::string> valued,
       std::set<std::string> flags);

  const std::string& error() const { return m_error; }  // empty when fine
  bool has(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  const std::vector<std::string>& positional() const { return m_positional; }

  // Numeric option in [min, max]; on a bad value sets error() and returns fallback.
  double number(const std::string& name, double fallback, double min, double max);

 private:
  std::map<std::string, std::string> m_values;
  std::set<std::string> m_flags;
  std::vector<std::string> m_positional;
  std::string m_error;
};

}  // namespace voixer::app
