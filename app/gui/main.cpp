// Temporary minimal window: opens a model and lists its ops. The explorer replaces it.
#include "models/model_registry.h"

#include <QApplication>
#include <QListWidget>
#include <QMessageBox>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QListWidget list;
    try {
        const ioscope::Graph g = ioscope::loadModel(argc > 1 ? argv[1] : "inception_v3");
        for (const auto& op : g.ops()) list.addItem(QString::fromStdString(op.name));
    } catch (const std::exception& e) {
        QMessageBox::critical(nullptr, "ioscope", e.what());
        return 2;
    }
    list.show();
    return app.exec();
}
