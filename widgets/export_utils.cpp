#include "export_utils.h"

#include <QBuffer>
#include <QImage>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

namespace ioscope::widgets {

namespace {

bool fail(QString* error, const QString& message) {
    if (error) *error = message;
    return false;
}

bool commit(QSaveFile& file, const QString& path, QString* error) {
    if (!file.commit()) return fail(error, path + ": cannot write: " + file.errorString());
    return true;
}

// Keeps PNG exports of huge scenes within what QImage and memory can take.
double boundedScale(QSizeF logical, double scale) {
    const double maxSide = 16000;
    const double side = std::max(logical.width(), logical.height()) * scale;
    return side > maxSide ? scale * maxSide / side : scale;
}

} // namespace

bool savePaintingSvg(const QString& path, QSize size, const QString& title,
                     const std::function<void(QPainter&)>& paint, QString* error) {
    if (size.isEmpty()) return fail(error, path + ": nothing to export");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, path + ": cannot open for writing: " + file.errorString());
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    svg.setDescription(QStringLiteral("exported by ioscope"));
    {
        QPainter painter;
        if (!painter.begin(&svg)) return fail(error, path + ": cannot start the SVG painter");
        paint(painter);
        painter.end();
    }
    return commit(file, path, error);
}

bool savePaintingPng(const QString& path, QSize size, double scale,
                     const std::function<void(QPainter&)>& paint, QString* error) {
    if (size.isEmpty()) return fail(error, path + ": nothing to export");
    scale = boundedScale(size, scale);
    QImage image((QSizeF(size) * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) return fail(error, path + ": image too large to export");
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        painter.scale(scale, scale);
        paint(painter);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, path + ": cannot open for writing: " + file.errorString());
    if (!image.save(&file, "PNG")) {
        file.cancelWriting();
        return fail(error, path + ": PNG encoding failed");
    }
    return commit(file, path, error);
}

bool saveSceneSvg(QGraphicsScene* scene, const QString& path, const QString& title, QRectF source,
                  QString* error) {
    if (!scene) return fail(error, path + ": no scene");
    if (source.isNull()) source = scene->itemsBoundingRect().adjusted(-10, -10, 10, 10);
    const QSize size = source.size().toSize();
    return savePaintingSvg(
        path, size, title,
        [&](QPainter& p) { scene->render(&p, QRectF(QPointF(0, 0), source.size()), source); }, error);
}

bool saveScenePng(QGraphicsScene* scene, const QString& path, double scale, QRectF source, QString* error) {
    if (!scene) return fail(error, path + ": no scene");
    if (source.isNull()) source = scene->itemsBoundingRect().adjusted(-10, -10, 10, 10);
    return savePaintingPng(
        path, source.size().toSize(), scale,
        [&](QPainter& p) { scene->render(&p, QRectF(QPointF(0, 0), source.size()), source); }, error);
}

bool saveWidgetPng(QWidget* widget, const QString& path, double scale, QString* error) {
    if (!widget) return fail(error, path + ": no widget");
    return savePaintingPng(
        path, widget->size(), scale, [&](QPainter& p) { widget->render(&p); }, error);
}

} // namespace ioscope::widgets
