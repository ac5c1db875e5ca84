#pragma once
// Short, telling op labels for narrow boxes (timeline, exports). Op names are paths
// ("mixed_6b/7x7dbl_3", "/inception3a/branch2/branch2.1/conv/Conv"): the part shared with the ops
// around it says little, the op's own last segments say most, and an ONNX name's trailing op
// type ("Conv") only repeats the box colour.
#include <QString>
#include <QStringList>

class QFontMetricsF;

namespace ioscope::widgets {

// The '/'-separated segments every name starts with ("inception3a/" for an Inception block),
// with its trailing '/', or empty. A single name has no common prefix.
QString commonNamePrefix(const QStringList& names);

// `name` without `prefix` (when it starts with it), without a trailing ONNX op-type segment and
// with a segment that only repeats the start of the next one dropped ("branch2/branch2.1").
// Never empty: a name that would lose everything keeps its last segment.
QString tellingOpLabel(const QString& name, const QString& prefix);

// Ensembles (graph/ensemble.h) prefix each op's name with its member's ("squeezenet#2/fire8/sum").
// `name` without "member/" when it starts with it, else `name`.
QString withoutMemberPrefix(const QString& name, const QString& member);

// Short tags telling the members apart, parallel to `members`: the shortest prefix (at least
// three characters) of each name that no other member's name shares, keeping a "#2" suffix of
// a repeated member ("inception_v3", "resnet50", "squeezenet#2" -> "inc", "res", "squ#2").
QStringList memberTags(const QStringList& members);

// The most complete of `candidates` (most complete first) that fits `width`; else the last one
// elided at its end.
QString fittedLabel(const QStringList& candidates, const QFontMetricsF& metrics, double width);

} // namespace ioscope::widgets
