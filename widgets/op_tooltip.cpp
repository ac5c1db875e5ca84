#include "op_tooltip.h"

#include "graph/op_metrics.h"

#include <QStringList>

#include <cmath>

namespace ioscope::widgets {

QString formatFlops(double flops) {
    if (flops >= 1e9) return QString::number(flops / 1e9, 'f', 2) + " GFLOP";
    if (flops >= 1e6) return QString::number(flops / 1e6, 'f', 2) + " MFLOP";
    if (flops >= 1e3) return QString::number(flops / 1e3, 'f', 1) + " kFLOP";
    return QString::number(flops, 'f', 0) + " FLOP";
}

QString opKindName(const Op& op) {
    const auto name = toString(op.kind);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

QString opTooltipHtml(const Graph& g, OpId op, double predictedMs, double measuredMs, double slackMs,
                      bool onCriticalPath) {
    if (op < 0 || op >= g.size()) return {};
    const Op& o = g.op(op);
    QString html = "<b>" + QString::fromStdString(o.name).toHtmlEscaped() + "</b><br>" + opKindName(o);
    if (o.kind == OpKind::Conv || o.kind == OpKind::SepConv || o.kind == OpKind::MaxPool ||
        o.kind == OpKind::AvgPool)
        html += QString(" %1x%2 /%3").arg(o.window.kh).arg(o.window.kw).arg(o.window.sh);
    if (o.activation != Activation::None && o.kind != OpKind::Activation) {
        const auto act = toString(o.activation);
        html += " + " + QString::fromUtf8(act.data(), static_cast<qsizetype>(act.size()));
    }
    if (o.residuals > 0)
        html += QString(" + %1 residual input%2").arg(o.residuals).arg(o.residuals > 1 ? "s" : "");
    if (!o.fused.empty()) {
        QStringList parts;
        for (const auto& name : o.fused) parts << QString::fromStdString(name).toHtmlEscaped();
        html += "<br>fused: " + parts.join(", ");
    }
    QStringList inputs;
    for (OpId p : g.predecessors(op)) inputs << QString::fromStdString(g.op(p).out.str());
    if (!inputs.isEmpty()) html += "<br>in: " + inputs.join(", ");
    html += "<br>out: " + QString::fromStdString(o.out.str());
    if (o.kind != OpKind::Input) {
        const OpMetrics m = opMetrics(o);
        html += "<br>" + formatFlops(m.flops);
        if (m.params > 0) html += QString(", %1 params").arg(m.params);
    }
    if (std::isfinite(predictedMs) && predictedMs >= 0)
        html += QString("<br>predicted: %1 ms").arg(predictedMs, 0, 'f', 4);
    if (std::isfinite(measuredMs) && measuredMs >= 0)
        html += QString("<br>measured: %1 ms").arg(measuredMs, 0, 'f', 4);
    if (onCriticalPath)
        html += QStringLiteral("<br><span style='color:#c62828'>on the critical path</span> (no slack)");
    else if (std::isfinite(slackMs) && slackMs >= 0)
        html += QString("<br>slack: %1 ms").arg(slackMs, 0, 'f', 4);
    return html;
}

} // namespace ioscope::widgets
