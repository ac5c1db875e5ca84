#include "op_labels.h"

#include <QFontMetricsF>
#include <QRegularExpression>

#include <algorithm>

namespace ioscope::widgets {

namespace {

QStringList segments(const QString& name) {
    return name.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

// "Conv", "MaxPool", "GlobalAveragePool", "Gemm", "Relu_3": an exporter's op type, no own name.
bool isOpTypeSegment(const QString& s) {
    static const QRegularExpression type(QStringLiteral("^[A-Z][A-Za-z]*(_\\d+)?$"));
    return type.match(s).hasMatch();
}

} // namespace

QString commonNamePrefix(const QStringList& names) {
    if (names.size() < 2) return {};
    QStringList common = segments(names.front());
    for (const QString& name : names) {
        const QStringList s = segments(name);
        qsizetype n = 0;
        // The last segment is the op's own name: never part of the prefix.
        while (n < common.size() && n + 1 < s.size() && common[n] == s[n]) ++n;
        common = common.mid(0, n);
        if (common.isEmpty()) return {};
    }
    const bool rooted = names.front().startsWith(QLatin1Char('/'));
    return (rooted ? QStringLiteral("/") : QString()) + common.join(QLatin1Char('/')) + QLatin1Char('/');
}

QString tellingOpLabel(const QString& name, const QString& prefix) {
    QString rest = !prefix.isEmpty() && name.startsWith(prefix) ? name.mid(prefix.size()) : name;
    QStringList s = segments(rest);
    if (s.isEmpty()) return name;
    if (s.size() > 1 && isOpTypeSegment(s.back())) s.removeLast();
    QStringList kept;
    for (qsizetype i = 0; i < s.size(); ++i)
        if (i + 1 == s.size() || !s[i + 1].startsWith(s[i])) kept << s[i];
    return kept.join(QLatin1Char('/'));
}

QString withoutMemberPrefix(const QString& name, const QString& member) {
    if (member.isEmpty() || name.size() <= member.size() + 1 || !name.startsWith(member) ||
        name[member.size()] != QLatin1Char('/'))
        return name;
    return name.mid(member.size() + 1);
}

QStringList memberTags(const QStringList& members) {
    // "squeezenet#2" is "squeezenet" loaded twice: tag the base name, keep the repeat's number.
    QStringList bases, suffixes;
    for (const QString& m : members) {
        const qsizetype hash = m.lastIndexOf(QLatin1Char('#'));
        bool number = false;
        if (hash > 0) m.mid(hash + 1).toInt(&number);
        bases << (number ? m.left(hash) : m);
        suffixes << (number ? m.mid(hash) : QString());
    }
    QStringList tags;
    for (qsizetype i = 0; i < bases.size(); ++i) {
        const QString& base = bases[i];
        qsizetype n = std::min<qsizetype>(3, base.size());
        for (qsizetype j = 0; j < bases.size(); ++j) {
            if (bases[j] == base) continue; // the same network (or itself): the suffix tells them apart
            while (n < base.size() && bases[j].startsWith(base.left(n))) ++n;
        }
        tags << base.left(n) + suffixes[i];
    }
    return tags;
}

QString fittedLabel(const QStringList& candidates, const QFontMetricsF& metrics, double width) {
    if (candidates.isEmpty() || width <= 0) return {};
    for (const QString& c : candidates)
        if (metrics.horizontalAdvance(c) <= width) return c;
    return metrics.elidedText(candidates.back(), Qt::ElideRight, width);
}

} // namespace ioscope::widgets
