#pragma once
// Atomic SVG and PNG exports of scenes and self-painting widgets (QSaveFile: a failure never
// leaves a half-written file). Every function returns false and sets *error on failure.
#include <QGraphicsScene>
#include <QRectF>
#include <QSize>
#include <QString>

#include <functional>

class QPainter;
class QWidget;

namespace ioscope::widgets {

// Paints into an SVG file of `size` (user units = pixels) with `paint`.
bool savePaintingSvg(const QString& path, QSize size, const QString& title,
                     const std::function<void(QPainter&)>& paint, QString* error = nullptr);
// Paints into a PNG of size*scale pixels (white background) with `paint` (given logical size).
bool savePaintingPng(const QString& path, QSize size, double scale,
                     const std::function<void(QPainter&)>& paint, QString* error = nullptr);

// The scene's `source` rectangle (its itemsBoundingRect when null) as SVG / PNG.
bool saveSceneSvg(QGraphicsScene* scene, const QString& path, const QString& title = {}, QRectF source = {},
                  QString* error = nullptr);
bool saveScenePng(QGraphicsScene* scene, const QString& path, double scale = 2.0, QRectF source = {},
                  QString* error = nullptr);

// A widget as it is drawn now (QWidget::render), PNG at `scale` device pixels per pixel.
bool saveWidgetPng(QWidget* widget, const QString& path, double scale = 2.0, QString* error = nullptr);

} // namespace ioscope::widgets
