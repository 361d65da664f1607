/*
 * tests/nn/test_module.c - the module tree: user-written modules (the notes'
 * own Linear and Net), names, printing, train/eval, zero_grad, ownership.
 * Expected strings come from PyTorch 1.13 for the same module tree:
 * see the Python snippet in each test's comment.
 */
#include <stdlib.h>

#include "test.h"

/* The notes' own Linear: w [out, in], b [out]. */
typedef struct {
    ct_module base;
    ct_tensor *w, *b;
} my_linear;

static ct_tensor *my_linear_forward(ct_module *m, ct_tensor *x) {
    my_linear *l = (my_linear *)m;
    ct_tensor *out = NULL;
    CT_SCOPE { out = ct_keep(ct_add(ct_matmul(x, ct_t(l->w)), l->b)); }
    return out;
}

static void my_linear_repr(const ct_module *m, char *buf, size_t size) {
    const my_linear *l = (const my_linear *)m;
    snprintf(buf, size, "in=%lld, out=%lld", (long long)ct_size(l->w, 1), (long long)ct_size(l->w, 0));
}

static const ct_module_type my_linear_type = {
    .name = "MyLinear", .forward = my_linear_forward, .extra_repr = my_linear_repr};

static ct_module *my_linear_new(int64_t in, int64_t out) {
    my_linear *l = (my_linear *)ct_module_new(&my_linear_type, sizeof(my_linear));
    l->w = ct_module_param(&l->base, "w", ct_randn(CT_SHAPE(out, in)));
    l->b = ct_module_param(&l->base, "b", ct_zeros(CT_SHAPE(out)));
    return &l->base;
}

/*
 * class Net(nn.Module): features = Sequential(Flatten(), MyLinear(4, 3), Identity());
 * head = MyLinear(3, 2); register_buffer('steps', zeros(1));
 * blocks = ModuleList([Identity(), Unflatten(1, (1, 2))])
 */
static const ct_module_type net_type = {.name = "Net"};

static ct_module *net_new(void) {
    ct_module *net = ct_module_new(&net_type, sizeof(ct_module));
    ct_module_add(net, "features", ct_nn_sequential(ct_nn_flatten(), my_linear_new(4, 3), ct_nn_identity(), NULL));
    ct_module_add(net, "head", my_linear_new(3, 2));
    ct_module_buffer(net, "steps", ct_zeros(CT_SHAPE(1)), true);
    ct_module *blocks = ct_module_add(net, "blocks", ct_nn_module_list());
    ct_module_list_append(blocks, ct_nn_identity());
    ct_module_list_append(blocks, ct_nn_unflatten(1, CT_SHAPE(1, 2)));
    return net;
}

TEST(prints_like_pytorch) {
    ct_module *net = net_new();
    char *s = ct_module_to_string(net);
    CHECK_STR(s, "Net(\n  (features): Sequential(\n    (0): Flatten(start_dim=1, end_dim=-1)\n"
                 "    (1): MyLinear(in=4, out=3)\n    (2): Identity()\n  )\n"
                 "  (head): MyLinear(in=3, out=2)\n  (blocks): ModuleList(\n    (0): Identity()\n"
                 "    (1): Unflatten(dim=1, unflattened_size=(1, 2))\n  )\n)");
    free(s);
    ct_module *empty = ct_nn_sequential(NULL);
    s = ct_module_to_string(empty);
    CHECK_STR(s, "Sequential()");
    free(s);
    ct_module *u = ct_nn_unflatten(1, CT_SHAPE(3));
    s = ct_module_to_string(u);
    CHECK_STR(s, "Unflatten(dim=1, unflattened_size=(3,))");
    free(s);
    ct_module_free(u);
    ct_module_free(empty);
    ct_module_free(net);
}

TEST(names_follow_pytorch) {
    ct_module *net = net_new();
    const ct_named_tensor *p;
    int n = ct_named_parameters(net, &p);
    REQUIRE(n == 4);
    CHECK_STR(p[0].name, "features.1.w");
    CHECK_STR(p[1].name, "features.1.b");
    CHECK_STR(p[2].name, "head.w");
    CHECK_STR(p[3].name, "head.b");
    n = ct_named_buffers(net, &p);
    REQUIRE(n == 1);
    CHECK_STR(p[0].name, "steps");
    const ct_named_module *mods;
    n = ct_named_modules(net, &mods);
    const char *want[] = {"", "features", "features.0", "features.1", "features.2", "head",
                          "blocks", "blocks.0", "blocks.1"};
    REQUIRE(n == 9);
    for (int i = 0; i < n; i++) CHECK_STR(mods[i].name, want[i]);
    n = ct_named_children(net, &mods);
    REQUIRE(n == 3);
    CHECK_STR(mods[2].name, "blocks");
    CHECK_STR(ct_module_type_name(mods[2].module), "ModuleList");
    CHECK_EQ_INT(ct_num_parameters(net, false), 4 * 3 + 3 + 3 * 2 + 2);
    ct_tensor_list l = ct_parameters(net);
    CHECK_EQ_INT(l.n, 4);
    for (int i = 0; i < l.n; i++) CHECK(ct_requires_grad(l.items[i]) && ct_is_leaf(l.items[i]));
    ct_module_free(net);
}

static void count_modules(ct_module *m, void *ctx) {
    (void)m;
    (*(int *)ctx)++;
}

TEST(train_eval_apply_and_errors) {
    ct_module *net = net_new();
    CHECK(ct_module_is_training(net));
    ct_module_eval(net);
    CHECK(!ct_module_is_training(ct_module_child(net, "head")));
    CHECK(!ct_module_is_training(ct_module_list_get(ct_module_child(net, "blocks"), -1)));
    ct_module_train(net, true);
    CHECK(ct_module_is_training(ct_module_list_get(ct_module_child(net, "blocks"), 0)));
    int count = 0;
    ct_module_apply(net, count_modules, &count);
    CHECK_EQ_INT(count, 9);
    CHECK(ct_module_add(net, "head", ct_nn_identity()) == NULL);
    CHECK_ERROR("already used");
    CHECK(ct_module_param(net, "a.b", ct_zeros(CT_SHAPE(1))) == NULL);
    CHECK_ERROR("contains");
    CHECK(ct_module_list_get(ct_module_child(net, "blocks"), 5) == NULL);
    CHECK_ERROR("out of range");
    ct_module_free(net);
}

TEST(forward_backward_zero_grad) {
    ct_module *net = net_new();
    ct_module *mlp = ct_nn_sequential(ct_nn_flatten(), my_linear_new(4, 3), NULL);
    CT_SCOPE {
        ct_tensor *x = ct_randn(CT_SHAPE(5, 2, 2));
        ct_tensor *y = ct_forward(mlp, x);
        CHECK_SHAPE(y, 5, 3);
        REQUIRE(ct_backward(ct_sum(y)) == 0);
        ct_tensor_list l = ct_parameters(mlp);
        REQUIRE(l.n == 2);
        CHECK(ct_grad_of(l.items[0]) != NULL);
        CHECK_VALUES(ct_grad_of(l.items[1]), 1e-6, 5, 5, 5);
        ct_module_zero_grad(mlp, false);
        CHECK_VALUES(ct_grad_of(l.items[1]), 0, 0, 0, 0);
        ct_module_zero_grad(mlp, true);
        CHECK(ct_grad_of(l.items[0]) == NULL && ct_grad_of(l.items[1]) == NULL);
    }
    ct_module_free(mlp);
    ct_module_free(net);
}

TEST(module_made_inside_a_scope_survives_it) {
    ct_module *m = NULL;
    CT_SCOPE { m = my_linear_new(2, 2); }
    CT_SCOPE {
        ct_tensor *y = ct_forward(m, ct_ones(CT_SHAPE(1, 2)));
        CHECK_SHAPE(y, 1, 2);
    }
    ct_module_free(m);
}
