"""Optional acceleration: device choice (CPU / CUDA), CUDA-stream runners, torch-tensorrt.

Nothing here imports torch at module import time; torch is imported only when a learned stage is
placed on a device. On a machine without CUDA (or without torch) the CPU path is used.
"""
