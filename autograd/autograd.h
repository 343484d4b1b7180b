#pragma once
// The autograd engine in one include: tensors, ops, grad mode, random.
#include "autograd/error.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/tensor.h"
