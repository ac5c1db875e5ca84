#pragma once
// Toolbar and menu icons drawn with QPainter (no icon theme or SVG plugin needed, so they look
// the same on every desktop, offscreen and in bundles). Each is drawn at several sizes.
#include <QIcon>

namespace ioscope::app {

enum class ActionIcon { Open, RunSearch, Cancel, FitView, Export, Presentation, Find };

QIcon actionIcon(ActionIcon kind);

} // namespace ioscope::app
