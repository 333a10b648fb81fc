// A shared file in the conversation: who shared it, its name and size, then
// a Download button, the progress of its transfer, or Open once it is here;
// images show as a thumbnail under it.
#include <imgui.h>

#include "app/gui/colors.hpp"
#include "app/gui/metrics.hpp"
#include "app/gui/views.hpp"
#include "core/file_names.hpp"

namespace voixer::app {

using namespace colors;
using State = client::FileJobView::State;

namespace {

void draw_progress(const client::FileJobView& job) {
  float fraction = job.size ? static_cast<float>(static_cast<double>(job.done) / job.size) : 0;
  std::string label = core::human_size(job.done) + " of " + core::human_size(job.size);
  if (job.bytes_per_second > 0)
    label += ", " + core::human_size(static_cast<std::uint64_t>(job.bytes_per_second)) + "/s";
  if (job.state == State::Hashing) label = "checking the file...";
  if (job.state == State::Asking) label = "waiting for the server...";
  ImGui::ProgressBar(fraction, ImVec2(260 * metrics::scale(), 0), label.c_str());
}

}  // namespace

void draw_file_line(GuiApp& app, ViewState& v, const core::ChatLine& line) {
  const core::FileShared& f = *line.file;
  ImGui::PushID(f.id.c_str());
  ImGui::TextColored(kAccent, "%s", line.sender.c_str());
  ImGui::SameLine();
  ImGui::TextColored(kLink, "[file] %s", f.name.c_str());
  ImGui::SameLine();
  ImGui::TextColored(kDim, "(%s)", core::human_size(f.size).c_str());
  ImGui::SameLine();
  auto job = app.file_job(f.id);
  bool mine = line.sender == app.model().nickname();
  // The thumbnail's own fetch is not the user's download.
  std::string image = app.image_path(f.id);
  if (job && !image.empty() && job->saved_path == image) job.reset();
  if (job && !job->upload && job->state == State::Done) {
    if (ImGui::SmallButton("Open")) app.open_file(job->saved_path);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", job->saved_path.c_str());
  } else if (job && (job->state == State::Asking || job->state == State::Moving ||
                     job->state == State::Hashing)) {
    draw_progress(*job);
  } else if (job && job->state == State::Failed) {
    ImGui::TextColored(kError, "%s", job->error.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Try again")) app.fetch_file(f.id);
  } else if (!mine || !job) {
    if (ImGui::SmallButton("Download")) app.fetch_file(f.id);
  }
  if (!image.empty()) {
    if (auto thumb = v.thumbnails.get(image)) {
      ImGui::Indent(ImGui::GetFontSize() * 4);
      float s = metrics::scale();
      ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(thumb->texture)),
                   ImVec2(thumb->width * s, thumb->height * s));
      app.trace_once("shown thumbnail " + f.name);
      if (ImGui::IsItemHovered()) ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
      if (ImGui::IsItemClicked()) app.open_file(image);
      ImGui::Unindent(ImGui::GetFontSize() * 4);
    }
  }
  ImGui::PopID();
}

// My uploads still on their way, above the message box.
void draw_uploads(GuiApp& app, const std::string& conversation) {
  for (const auto& job : app.uploads(conversation)) {
    ImGui::TextColored(kDim, "Sending %s", job.name.c_str());
    ImGui::SameLine();
    draw_progress(job);
  }
}

}  // namespace voixer::app
