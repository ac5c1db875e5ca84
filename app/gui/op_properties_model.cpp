#include "op_properties_model.h"

#include "graph/op_metrics.h"
#include "qt_text.h"
#include "sched/schedule_slack.h"
#include "schedule_run.h"
#include "timeline_lanes.h"

#include <cmath>

namespace ioscope::app {
namespace {

QString windowText(const Window& w) {
    QString s = QStringLiteral("%1×%2 / stride %3×%4 / pad %5×%6")
                    .arg(w.kh)
                    .arg(w.kw)
                    .arg(w.sh)
                    .arg(w.sw)
                    .arg(w.ph)
                    .arg(w.pw);
    if (w.dh != 1 || w.dw != 1) s += QStringLiteral(" / dilation %1×%2").arg(w.dh).arg(w.dw);
    if (w.eh || w.ew) s += QStringLiteral(" / end pad %1×%2").arg(w.eh).arg(w.ew);
    return s;
}

void addParameters(const Op& op, QVector<QPair<QString, QString>>& rows) {
    using R = QPair<QString, QString>;
    switch (op.kind) {
    case OpKind::Conv:
    case OpKind::SepConv:
        rows << R(QObject::tr("Window"), windowText(op.window))
             << R(QObject::tr("Out channels"), QString::number(op.outChannels));
        if (op.kind == OpKind::Conv && op.groups != 1)
            rows << R(QObject::tr("Groups"), QString::number(op.groups));
        if (op.kind == OpKind::SepConv && op.preRelu)
            rows << R(QObject::tr("Leading ReLU"), QObject::tr("yes"));
        rows << R(QObject::tr("Activation"), qs(toString(op.activation)))
             << R(QObject::tr("Bias"), op.bias ? QObject::tr("yes") : QObject::tr("no"));
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        rows << R(QObject::tr("Window"), windowText(op.window));
        break;
    case OpKind::Activation:
        rows << R(QObject::tr("Function"), qs(toString(op.activation)));
        break;
    case OpKind::FullyConnected:
        rows << R(QObject::tr("Outputs"), QString::number(op.outChannels));
        break;
    case OpKind::Slice: {
        const SliceBox& b = op.slice;
        rows << R(QObject::tr("Slice"), QStringLiteral("channels %1–%2, rows %3+%4·%5, cols %6+%7·%8")
                                            .arg(b.c0)
                                            .arg(b.c0 + b.c - 1)
                                            .arg(b.h0)
                                            .arg(b.sh)
                                            .arg(b.h)
                                            .arg(b.w0)
                                            .arg(b.sw)
                                            .arg(b.w));
        break;
    }
    case OpKind::Pad:
        rows << R(QObject::tr("Padding"), QStringLiteral("top %1, left %2, bottom %3, right %4, %5")
                                              .arg(op.pad.top)
                                              .arg(op.pad.left)
                                              .arg(op.pad.bottom)
                                              .arg(op.pad.right)
                                              .arg(qs(toString(op.pad.mode))));
        break;
    case OpKind::Resize:
        rows << R(QObject::tr("Resize"), QStringLiteral("%1, %2%3")
                                             .arg(qs(toString(op.resize.mode)), qs(toString(op.resize.coord)))
                                             .arg(op.resize.mode == ResizeMode::Nearest
                                                      ? QStringLiteral(", ") + qs(toString(op.resize.round))
                                                      : QString()));
        break;
    case OpKind::ChannelShuffle:
        rows << R(QObject::tr("Groups"), QString::number(op.groups));
        break;
    case OpKind::Binary:
        rows << R(QObject::tr("Function"), qs(toString(op.binary)) + QObject::tr(" (broadcasting)"));
        break;
    case OpKind::Sequential: {
        QStringList parts;
        for (const Op& b : op.body) parts << QStringLiteral("%1 (%2)").arg(qs(b.name), qs(toString(b.kind)));
        rows << R(QObject::tr("Body"), parts.join(QStringLiteral(" → ")));
        break;
    }
    default:
        if (appliesActivation(op.kind) && op.activation != Activation::None)
            rows << R(QObject::tr("Activation"), qs(toString(op.activation)));
        break;
    }
    if (op.inputs.size() - size_t(op.residuals) > 1)
        rows << R(QObject::tr("Inputs combine"), qs(toString(op.combine)));
}

} // namespace

QVector<QPair<QString, QString>> opPropertyRows(const Graph& g, OpId id, const ScheduleRun* run) {
    using R = QPair<QString, QString>;
    QVector<R> rows;
    if (id < 0 || id >= g.size()) return rows;
    const Op& op = g.op(id);
    rows << R(QObject::tr("Name"), qs(op.name)) << R(QObject::tr("Kind"), qs(toString(op.kind)));
    addParameters(op, rows);
    QStringList inputs;
    for (OpId p : op.inputs) inputs << qs(g.op(p).name);
    if (!inputs.isEmpty()) rows << R(QObject::tr("Reads"), inputs.join(QStringLiteral(", ")));
    QStringList consumers;
    for (OpId c : g.successors(id)) consumers << qs(g.op(c).name);
    rows << R(QObject::tr("Consumers"), consumers.isEmpty() ? QObject::tr("none (a graph output)")
                                                            : consumers.join(QStringLiteral(", ")));
    if (op.residuals > 0) {
        QStringList added;
        for (OpId p : residualInputs(op)) added << qs(g.op(p).name);
        rows << R(QObject::tr("Adds (epilogue)"), added.join(QStringLiteral(", ")));
    }
    if (!op.fused.empty()) {
        QStringList parts;
        for (const auto& name : op.fused) parts << qs(name);
        rows << R(QObject::tr("Fused ops"), parts.join(QStringLiteral(", ")));
    }
    if (op.kind == OpKind::Input) {
        rows << R(QObject::tr("Shape"), qs(op.inputShape.str()));
        return rows;
    }
    rows << R(QObject::tr("Input shape"), qs(op.in.str()))
         << R(QObject::tr("Output shape"), qs(op.out.str()));
    const OpMetrics m = opMetrics(op);
    rows << R(QObject::tr("FLOPs (batch 1)"), formatFlops(m.flops))
         << R(QObject::tr("Bytes moved"), formatBytes(m.bytes))
         << R(QObject::tr("Parameters"), QString::number(m.params));
    if (run) {
        if (size_t(id) < run->opLatencyMs.size())
            rows << R(QObject::tr("Predicted alone"),
                      QStringLiteral("%1 (%2)").arg(formatPredictedMs(run->opLatencyMs[size_t(id)]),
                                                    run->costName()));
        const auto& stages = run->schedule.stages;
        for (size_t s = 0; s < stages.size(); ++s)
            for (size_t gi = 0; gi < stages[s].groups.size(); ++gi)
                for (OpId o : stages[s].groups[gi])
                    if (o == id)
                        rows << R(QObject::tr("Scheduled in %1").arg(run->label()),
                                  QObject::tr("stage %1 (%2), group %3 of %4")
                                      .arg(s + 1)
                                      .arg(qs(toString(stages[s].strategy)))
                                      .arg(gi + 1)
                                      .arg(stages[s].groups.size()));
        // Slack: how much later the op's group could end before the schedule ends later.
        const ScheduleSlack slack = scheduleSlack(g, run->predicted);
        if (size_t(id) < slack.slackMs.size() && std::isfinite(slack.slackMs[size_t(id)]))
            rows << R(QObject::tr("Slack"), slack.onPath(id) ? QObject::tr("none: on the critical path")
                                            : slack.critical[size_t(id)]
                                                ? QObject::tr("none (a critical group off the drawn path)")
                                                : formatMs(slack.slackMs[size_t(id)]));
        if (run->measured) {
            const std::vector<double> measured = widgets::kernelOpTimes(run->measured->kernels, g.size());
            if (std::isfinite(measured[size_t(id)]))
                rows << R(QObject::tr("Measured kernels"), formatMs(measured[size_t(id)]));
        }
    }
    return rows;
}

void OpPropertiesModel::setOp(const Graph* graph, OpId op, const ScheduleRun* run) {
    beginResetModel();
    op_ = graph ? op : -1;
    rows_ = graph ? opPropertyRows(*graph, op, run) : QVector<QPair<QString, QString>>{};
    endResetModel();
}

int OpPropertiesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}
int OpPropertiesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 2;
}

QVariant OpPropertiesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    const auto& row = rows_[index.row()];
    return index.column() == 0 ? row.first : row.second;
}

QVariant OpPropertiesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == 0 ? tr("Property") : tr("Value");
}

} // namespace ioscope::app
