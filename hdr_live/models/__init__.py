"""The networks: architectures (torch, for training and export), their specs, SSD anchors, and
the vendored MediaPipe models run with ONNX Runtime."""
