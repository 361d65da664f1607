/*
 * examples/tour.c - a walk through ctorch's tensors, following the tensor
 * chapter of the study notes (creation, indexing and slicing, view/reshape,
 * squeeze/unsqueeze, expand, transpose/permute, broadcasting, arithmetic),
 * each step printed the way PyTorch prints it.
 *
 * Build and run: make run
 */
#include <ctorch.h>
#include <stdio.h>

static void show(const char *what, ct_tensor *t) {
    printf(">>> %s\n", what);
    ct_print(t);
}

static void show_shape(const char *what, ct_tensor *t) {
    printf(">>> %s.shape\ntorch.Size([", what);
    for (int i = 0; i < ct_dim(t); i++) printf(i ? ", %lld" : "%lld", (long long)ct_size(t, i));
    printf("])\n");
}

int main(void) {
    printf("%s\n\n", ct_build_info());
    ct_manual_seed(0);

    CT_SCOPE { /* every tensor made in here is freed when the block ends */
        /* Creation: torch.tensor, zeros, ones, full, eye, arange, linspace, rand, randn. */
        show("torch.tensor([[1., 2.], [3., 4.]])", ct_from_floats(CT_SHAPE(2, 2), 1, 2, 3, 4));
        show("torch.full([], 7.)", ct_full(CT_SHAPE0, 7.0));
        show("torch.eye(3)", ct_eye(3));
        show("torch.arange(0, 10, 2)", ct_arange(0, 10, 2));
        show("torch.linspace(-1, 1, steps=5)", ct_linspace(-1, 1, 5));
        show("torch.manual_seed(0); torch.rand(2, 3)", ct_rand(CT_SHAPE(2, 3)));
        show("torch.randn(2, 3)", ct_randn(CT_SHAPE(2, 3)));
        show("torch.randint(1, 10, [3, 3])", ct_randint(1, 10, CT_SHAPE(3, 3)));
        show("torch.randperm(10)", ct_randperm(10));

        /* Indexing and slicing a batch of images: a = torch.rand(4, 3, 28, 28). */
        ct_tensor *a = ct_rand(CT_SHAPE(4, 3, 28, 28));
        show_shape("a[0]", ct_index(a, "0"));
        show_shape("a[0, 0]", ct_index(a, "0, 0"));
        show("a[0, 0, 2, 4]", ct_index(a, "0, 0, 2, 4"));
        show_shape("a[:2, 1:, :, :]", ct_index(a, ":2, 1:, :, :"));
        show_shape("a[:, :, 0:28:2, 0:28:2]", ct_index(a, ":, :, 0:28:2, 0:28:2"));
        show_shape("a[..., :2]", ct_index(a, "..., :2"));

        /* view / reshape: no copy when the layout allows. */
        ct_tensor *flat = ct_view(a, CT_SHAPE(4, 28 * 28 * 3));
        show_shape("a.view(4, 3*28*28)", flat);
        printf("shares storage with a: %s\n", ct_shares_storage(flat, a) ? "yes" : "no");

        /* squeeze / unsqueeze / expand / repeat-free broadcasting. */
        ct_tensor *b = ct_rand(CT_SHAPE(1, 32, 1, 1));
        show_shape("b.unsqueeze(0)", ct_unsqueeze(b, 0));
        show_shape("b.squeeze()", ct_squeeze(b));
        show_shape("b.expand(4, 32, 14, 14)", ct_expand(b, CT_SHAPE(4, 32, 14, 14)));

        /* transpose needs contiguous() before view, as in the notes. */
        ct_tensor *t = ct_transpose(a, 1, 3);
        show_shape("a.transpose(1, 3)", t);
        printf("is_contiguous: %s\n", ct_is_contiguous(t) ? "True" : "False");
        ct_set_error_mode(CT_ERRORS_RETURN);
        if (!ct_view(t, CT_SHAPE(4, 3 * 28 * 28)))
            printf("a.transpose(1, 3).view(4, -1) fails as in PyTorch:\n  %s\n", ct_last_error());
        ct_set_error_mode(CT_ERRORS_ABORT);
        show_shape("a.transpose(1, 3).contiguous().view(4, 3*28*28)",
                   ct_view(ct_contiguous(t), CT_SHAPE(4, 3 * 28 * 28)));
        show_shape("a.permute(0, 2, 3, 1)", ct_permute(a, CT_DIMS(0, 2, 3, 1)));

        /* Arithmetic with broadcasting and type promotion. */
        ct_tensor *x = ct_from_floats(CT_SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        ct_tensor *bias = ct_from_floats(CT_SHAPE(3), 10, 20, 30);
        show("x + bias  (broadcast [2, 3] + [3])", ct_add(x, bias));
        show("x * 2.5", ct_mul_scalar(x, 2.5));
        show("torch.arange(6) / 4  (int / int -> float)", ct_div_scalar(ct_arange(0, 6, 1), 4));
        show("torch.arange(6) // 4", ct_div_mode(ct_arange(0, 6, 1), ct_scalar_tensor(4, .dtype = CT_I64), CT_ROUND_FLOOR));
        show("x ** 2", ct_pow_scalar(x, 2));
        show("torch.maximum(x, 3.5)", ct_maximum(x, ct_scalar_tensor(3.5)));
    }
    printf("\nlive tensors after the scope: %ld\n", ct_live_tensors());
    return 0;
}
