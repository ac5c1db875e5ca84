#include "schedule_edit.h"

#include <QRegularExpression>

#include <algorithm>

namespace ioscope::app {
namespace {

// validateSchedule counts stages from 0, as schedule files and the CLI do; the explorer counts
// them from 1, as its tables and its own refusals do ("Move x to stage 5 refused: ... of stage
// 4" named one stage twice).
QString stagesCountedFromOne(QString why) {
    static const QRegularExpression patterns[] = {
        QRegularExpression(
            QStringLiteral("\\bstages (\\d+) and (\\d+)\\b")), // "appears twice (stages 2 and 4)"
        QRegularExpression(QStringLiteral("\\bstage (\\d+)\\b"))};
    for (const QRegularExpression& pattern : patterns) {
        QString out;
        qsizetype last = 0;
        for (auto it = pattern.globalMatch(why); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            for (int c = 1; c <= pattern.captureCount(); ++c) {
                out += why.mid(last, m.capturedStart(c) - last);
                out += QString::number(m.captured(c).toLongLong() + 1);
                last = m.capturedEnd(c);
            }
        }
        why = out + why.mid(last);
    }
    return why;
}

EditResult checked(const Graph& g, Schedule s) {
    // Merge stages keep their strategy only while they are still mergeable sets; validation
    // says so otherwise.
    try {
        validateSchedule(g, s);
        return {std::move(s), {}};
    } catch (const std::exception& e) {
        QString why = QString::fromUtf8(e.what());
        if (why.startsWith(QLatin1String(": "))) why = why.mid(2);
        return {{}, stagesCountedFromOne(why)};
    }
}

EditResult refused(const QString& why) {
    return {{}, why};
}

// Topological position of each unit (the graph's unit order).
std::vector<int> topoIndex(const Graph& g) {
    std::vector<int> index(static_cast<size_t>(g.size()), 0);
    int i = 0;
    for (OpId id : g.units()) index[static_cast<size_t>(id)] = i++;
    return index;
}

void dropEmpty(Schedule& s) {
    for (Stage& st : s.stages)
        st.groups.erase(std::remove_if(st.groups.begin(), st.groups.end(), [](auto& g) { return g.empty(); }),
                        st.groups.end());
    s.stages.erase(
        std::remove_if(s.stages.begin(), s.stages.end(), [](auto& st) { return st.groups.empty(); }),
        s.stages.end());
}

bool validStage(const Schedule& s, int stage) {
    return stage >= 0 && stage < static_cast<int>(s.stages.size());
}

} // namespace

OpPlace findOp(const Schedule& s, OpId op) {
    for (size_t k = 0; k < s.stages.size(); ++k)
        for (size_t gi = 0; gi < s.stages[k].groups.size(); ++gi) {
            const auto& group = s.stages[k].groups[gi];
            const auto it = std::find(group.begin(), group.end(), op);
            if (it != group.end())
                return {static_cast<int>(k), static_cast<int>(gi), static_cast<int>(it - group.begin())};
        }
    return {};
}

EditResult moveOp(const Graph& g, const Schedule& s, OpId op, int toStage, int toGroup, bool newStage) {
    const OpPlace from = findOp(s, op);
    if (from.stage < 0) return refused(QStringLiteral("the op is not in this schedule"));
    const int stages = static_cast<int>(s.stages.size());
    if (newStage ? (toStage < 0 || toStage > stages) : !validStage(s, toStage))
        return refused(QStringLiteral("there is no stage %1").arg(toStage + 1));
    if (!newStage && toGroup >= static_cast<int>(s.stages[size_t(toStage)].groups.size()))
        return refused(QStringLiteral("stage %1 has no group %2").arg(toStage + 1).arg(toGroup + 1));
    if (!newStage && toStage == from.stage && toGroup == from.group)
        return refused(QStringLiteral("no change"));
    Schedule out = s;
    // Mark the old place, insert, then drop the mark: indices stay valid while inserting.
    out.stages[size_t(from.stage)].groups[size_t(from.group)][size_t(from.index)] = -1;
    if (newStage) {
        out.stages.insert(out.stages.begin() + toStage, Stage{Strategy::Concurrent, {{op}}});
    } else {
        Stage& target = out.stages[size_t(toStage)];
        if (target.strategy == Strategy::Merge && toGroup < 0)
            return refused(
                QStringLiteral("stage %1 merges its convolutions into one: it has no streams to add")
                    .arg(toStage + 1));
        if (toGroup < 0) {
            target.groups.push_back({op});
        } else {
            auto& group = target.groups[size_t(toGroup)];
            group.push_back(op);
            const std::vector<int> topo = topoIndex(g);
            std::stable_sort(group.begin(), group.end(), [&](OpId a, OpId b) {
                if (a < 0 || b < 0) return false; // the mark stays where it is
                return topo[size_t(a)] < topo[size_t(b)];
            });
        }
    }
    for (Stage& st : out.stages)
        for (auto& group : st.groups) group.erase(std::remove(group.begin(), group.end(), -1), group.end());
    dropEmpty(out);
    return checked(g, std::move(out));
}

EditResult moveGroup(const Graph& g, const Schedule& s, int stage, int group, int toStage) {
    if (!validStage(s, stage) || group < 0 ||
        group >= static_cast<int>(s.stages[size_t(stage)].groups.size()))
        return refused(QStringLiteral("there is no such group"));
    if (!validStage(s, toStage)) return refused(QStringLiteral("there is no stage %1").arg(toStage + 1));
    if (toStage == stage) return refused(QStringLiteral("no change"));
    if (s.stages[size_t(toStage)].strategy == Strategy::Merge)
        return refused(QStringLiteral("stage %1 merges its convolutions into one: it has no streams to add")
                           .arg(toStage + 1));
    Schedule out = s;
    auto moved = out.stages[size_t(stage)].groups[size_t(group)];
    out.stages[size_t(stage)].groups[size_t(group)].clear();
    out.stages[size_t(toStage)].groups.push_back(std::move(moved));
    if (out.stages[size_t(stage)].strategy == Strategy::Merge)
        out.stages[size_t(stage)].strategy = Strategy::Concurrent;
    dropEmpty(out);
    return checked(g, std::move(out));
}

EditResult mergeStages(const Graph& g, const Schedule& s, int stage) {
    if (!validStage(s, stage) || !validStage(s, stage + 1))
        return refused(QStringLiteral("stage %1 has no next stage to merge with").arg(stage + 1));
    Schedule out = s;
    Stage& a = out.stages[size_t(stage)];
    Stage& b = out.stages[size_t(stage + 1)];
    // Merged convolutions become streams of their own: one conv per group.
    const auto streams = [](const Stage& st) {
        std::vector<std::vector<OpId>> groups;
        if (st.strategy == Strategy::Merge)
            for (OpId op : st.groups.front()) groups.push_back({op});
        else
            groups = st.groups;
        return groups;
    };
    std::vector<std::vector<OpId>> groups = streams(a);
    for (auto& group : streams(b)) groups.push_back(std::move(group));
    a = Stage{Strategy::Concurrent, std::move(groups)};
    out.stages.erase(out.stages.begin() + stage + 1);
    return checked(g, std::move(out));
}

EditResult splitStage(const Graph& g, const Schedule& s, int stage) {
    if (!validStage(s, stage)) return refused(QStringLiteral("there is no stage %1").arg(stage + 1));
    const Stage& st = s.stages[size_t(stage)];
    std::vector<Stage> parts;
    if (st.strategy == Strategy::Merge) {
        for (OpId op : st.groups.front()) parts.push_back(Stage{Strategy::Concurrent, {{op}}});
    } else {
        for (const auto& group : st.groups) parts.push_back(Stage{Strategy::Concurrent, {group}});
    }
    if (parts.size() < 2)
        return refused(QStringLiteral("stage %1 has a single stream: nothing to split").arg(stage + 1));
    Schedule out = s;
    out.stages.erase(out.stages.begin() + stage);
    out.stages.insert(out.stages.begin() + stage, parts.begin(), parts.end());
    return checked(g, std::move(out));
}

} // namespace ioscope::app
