#include "action_icons.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace ioscope::app {
namespace {

// One palette for all icons: a dark slate outline and an accent per action.
const QColor kInk(0x37, 0x47, 0x4f);
const QColor kGo(0x2e, 0x7d, 0x32);
const QColor kStop(0xc6, 0x28, 0x28);
const QColor kBlue(0x15, 0x65, 0xc0);
const QColor kAmber(0xf9, 0xa8, 0x25);

QPen ink(const QColor& c, double width = 1.8) {
    return QPen(c, width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
}

// Draws `kind` in a 24 x 24 logical box.
void draw(QPainter& p, ActionIcon kind) {
    switch (kind) {
    case ActionIcon::Open: { // a folder
        QPainterPath folder;
        folder.moveTo(3, 6);
        folder.lineTo(9, 6);
        folder.lineTo(11, 8);
        folder.lineTo(21, 8);
        folder.lineTo(21, 19);
        folder.lineTo(3, 19);
        folder.closeSubpath();
        p.setPen(ink(kInk));
        p.setBrush(kAmber);
        p.drawPath(folder);
        p.setBrush(Qt::NoBrush);
        p.drawLine(QPointF(3, 11), QPointF(21, 11));
        break;
    }
    case ActionIcon::RunSearch: { // a play triangle inside a magnifier
        p.setPen(ink(kInk, 2.2));
        p.setBrush(Qt::white);
        p.drawEllipse(QPointF(10, 10), 7, 7);
        p.drawLine(QPointF(15, 15), QPointF(21, 21));
        QPolygonF play;
        play << QPointF(8, 6.5) << QPointF(14, 10) << QPointF(8, 13.5);
        p.setPen(Qt::NoPen);
        p.setBrush(kGo);
        p.drawPolygon(play);
        break;
    }
    case ActionIcon::Cancel: { // a stop sign
        p.setPen(Qt::NoPen);
        p.setBrush(kStop);
        p.drawEllipse(QPointF(12, 12), 9, 9);
        p.setPen(ink(Qt::white, 2.4));
        p.drawLine(QPointF(8.5, 8.5), QPointF(15.5, 15.5));
        p.drawLine(QPointF(15.5, 8.5), QPointF(8.5, 15.5));
        break;
    }
    case ActionIcon::FitView: { // four corners around a small graph
        p.setPen(ink(kInk));
        for (const QPointF& c : {QPointF(3, 3), QPointF(21, 3), QPointF(21, 21), QPointF(3, 21)}) {
            const double dx = c.x() < 12 ? 5 : -5, dy = c.y() < 12 ? 5 : -5;
            p.drawLine(c, c + QPointF(dx, 0));
            p.drawLine(c, c + QPointF(0, dy));
        }
        p.setPen(ink(kBlue, 1.4));
        p.drawLine(QPointF(12, 9), QPointF(9, 15));
        p.drawLine(QPointF(12, 9), QPointF(15, 15));
        p.setPen(Qt::NoPen);
        p.setBrush(kBlue);
        for (const QPointF& n : {QPointF(12, 9), QPointF(9, 15), QPointF(15, 15)}) p.drawEllipse(n, 2.2, 2.2);
        break;
    }
    case ActionIcon::Export: { // an arrow leaving a tray
        p.setPen(ink(kInk));
        p.setBrush(Qt::NoBrush);
        QPainterPath tray;
        tray.moveTo(4, 13);
        tray.lineTo(4, 20);
        tray.lineTo(20, 20);
        tray.lineTo(20, 13);
        p.drawPath(tray);
        p.setPen(ink(kBlue, 2.2));
        p.drawLine(QPointF(12, 16), QPointF(12, 4));
        p.drawLine(QPointF(12, 4), QPointF(7.5, 8.5));
        p.drawLine(QPointF(12, 4), QPointF(16.5, 8.5));
        break;
    }
    case ActionIcon::Presentation: { // a projection screen on a stand
        p.setPen(ink(kInk));
        p.setBrush(Qt::white);
        p.drawRect(QRectF(3, 4, 18, 12));
        p.drawLine(QPointF(12, 16), QPointF(12, 20));
        p.drawLine(QPointF(8, 21), QPointF(16, 21));
        p.setPen(Qt::NoPen);
        p.setBrush(kBlue);
        p.drawRect(QRectF(6, 11, 3, 3));
        p.drawRect(QRectF(10.5, 8.5, 3, 5.5));
        p.setBrush(kGo);
        p.drawRect(QRectF(15, 7, 3, 7));
        break;
    }
    case ActionIcon::Find: { // a magnifier
        p.setPen(ink(kInk, 2.2));
        p.setBrush(Qt::white);
        p.drawEllipse(QPointF(10, 10), 6.5, 6.5);
        p.drawLine(QPointF(15, 15), QPointF(21, 21));
        break;
    }
    }
}

} // namespace

QIcon actionIcon(ActionIcon kind) {
    QIcon icon;
    for (int side : {16, 22, 24, 32, 48, 64}) {
        QPixmap pixmap(side, side);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(side / 24.0, side / 24.0);
        draw(p, kind);
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace ioscope::app
