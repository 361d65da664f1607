/*
 * ctorch.h - PyTorch's programming model in C11.
 *
 * Include this one header. Start with ctorch/memory.h (who owns a tensor) and
 * ctorch/error.h (how calls fail); ctorch/tensor.h creates tensors,
 * ctorch/view.h reshapes and slices them without copying.
 */
#ifndef CTORCH_H
#define CTORCH_H

#include "ctorch/types.h"
#include "ctorch/error.h"
#include "ctorch/memory.h"
#include "ctorch/tensor.h"
#include "ctorch/view.h"
#include "ctorch/random.h"
#include "ctorch/print.h"
#include "ctorch/autograd.h"
#include "ctorch/pointwise.h"
#include "ctorch/reduce.h"
#include "ctorch/linalg.h"
#include "ctorch/runtime.h"
#include "ctorch/module.h"
#include "ctorch/layers.h"
#include "ctorch/functional.h"
#include "ctorch/indexing.h"
#include "ctorch/join.h"
#include "ctorch/transforms.h"
#include "ctorch/data.h"
#include "ctorch/image.h"
#include "ctorch/io.h"
#include "ctorch/loss.h"
#include "ctorch/conv.h"
#include "ctorch/cnn_layers.h"
#include "ctorch/models.h"
#include "ctorch/init.h"
#include "ctorch/optim.h"
#include "ctorch/lr_scheduler.h"

#endif
