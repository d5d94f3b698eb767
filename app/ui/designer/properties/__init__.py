"""The designer's properties panel: forms generated from the node kinds' config models, the
journey settings form and the message preview."""
