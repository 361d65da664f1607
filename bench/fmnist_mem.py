"""
bench/fmnist_mem.py - Fashion-MNIST in memory for the PyTorch twins of the
training workloads (w1_mlp.py, w2_cnn.py), prepared exactly as
bench/fmnist_mem.h does: the IDX files read once, scaled to [0, 1],
normalized once in place with (0.2860, 0.3530); images [N, 784] float32, labels [N]
int64.
"""
import gzip

import torch

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"


def _idx(path, offset):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8)


def load(train=True, root=None):
    """(x, y) of the train or test split: x [N, 784] float32 normalized, y [N] int64."""
    d = root or FMNIST_DIR
    pre = "train" if train else "t10k"
    x = _idx("%s/%s-images-idx3-ubyte.gz" % (d, pre), 16).view(-1, 784).float()
    x.div_(255.0).sub_(0.2860).div_(0.3530)  # in place, as bench/fmnist_mem.h
    y = _idx("%s/%s-labels-idx1-ubyte.gz" % (d, pre), 8).long()
    return x, y
