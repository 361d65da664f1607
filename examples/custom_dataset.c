/*
 * examples/custom_dataset.c - a dataset of your own over data in memory, fed
 * to a DataLoader (study notes, "1.2 数据集分离 (Dataset 和 Dataloader)":
 * Dataset stores the samples and their labels, DataLoader groups them into
 * batches).
 *
 *     class MyDataset(Dataset):
 *         def __init__(self, file):
 *             self.data = ...                  # read the data
 *         def __getitem__(self, index):
 *             return self.data[index]          # one sample
 *         def __len__(self):
 *             return len(self.data)
 *
 *     dataset = MyDataset(file)
 *     dataloader = DataLoader(dataset, batch_size, shuffle=True)
 *     # shuffle=True for training, False for testing
 *
 * In C the same three parts are a context (your data), a len function and a
 * get function, collected in a ct_dataset_vtable. Our data: 200 points
 * (x1, x2) with y = 2 x1 - 3 x2 + 1 plus a little noise, made up in main();
 * a linear model trained from the loader should find w = (2, -3), b = 1.
 *
 * Run: custom_dataset   (instant; --quick is accepted and changes nothing)
 */
#include <ctorch.h>
#include <stdio.h>

#define N 200

/* __init__: the data itself, here two plain C arrays. */
typedef struct {
    float x[N][2];
    float y[N];
} MyDataset;

/* __len__ */
static int64_t my_len(void *ctx) {
    (void)ctx;
    return N;
}

/* __getitem__: sample i as two tensors, features [2] and target [1]. The
 * loader may call this from several threads at once, so it only reads. */
static int my_get(void *ctx, int64_t i, ct_sample *out) {
    const MyDataset *d = ctx;
    out->n = 2;
    out->t[0] = ct_from_data(d->x[i], CT_F32, CT_SHAPE(2));
    out->t[1] = ct_from_data(&d->y[i], CT_F32, CT_SHAPE(1));
    return out->t[0] && out->t[1] ? 0 : -1;
}

static const ct_dataset_vtable my_dataset_vtable = {.name = "MyDataset", .len = my_len, .get = my_get};

int main(void) {
    ct_manual_seed(0);

    /* Make up the data: random points and a noisy linear target. */
    static MyDataset data;
    CT_SCOPE {
        ct_tensor *x = ct_rand(CT_SHAPE(N, 2));
        ct_tensor *noise = ct_mul_scalar(ct_randn(CT_SHAPE(N)), 0.01);
        ct_copy_to_buffer(x, data.x, CT_F32, 2 * N);
        ct_copy_to_buffer(noise, data.y, CT_F32, N);
    }
    for (int i = 0; i < N; i++) data.y[i] += 2 * data.x[i][0] - 3 * data.x[i][1] + 1;

    /* dataset = MyDataset(...); the context is borrowed, so `data` must outlive it. */
    ct_dataset *dataset = ct_dataset_new(&my_dataset_vtable, &data);
    printf("len(dataset) = %lld\n", (long long)ct_dataset_len(dataset));
    CT_SCOPE {
        ct_sample s;
        ct_dataset_get(dataset, 0, &s);
        printf("dataset[0] = ");
        ct_print(s.t[0]);
        ct_print(s.t[1]);
    }

    /* dataloader = DataLoader(dataset, batch_size=32, shuffle=True) */
    ct_loader *dataloader = ct_loader_new(dataset, .batch_size = 32, .shuffle = true);
    printf("len(dataloader) = %lld batches (the last one holds %d)\n", (long long)ct_loader_len(dataloader), N % 32);
    CT_FOR_EACH_BATCH(dataloader, x, y) { /* the samples stacked: x [32, 2], y [32, 1] */
        printf("first batch: x [%lld, %lld], y [%lld, %lld]\n", (long long)ct_size(x, 0), (long long)ct_size(x, 1),
               (long long)ct_size(y, 0), (long long)ct_size(y, 1));
        break; /* leaving early ends the epoch cleanly */
    }

    /* Train y = x W^T + b on it. */
    ct_module *model = ct_nn_linear(2, 1);
    ct_optimizer *opt = ct_sgd(ct_parameters(model), .lr = 0.1);
    for (int epoch = 1; epoch <= 100; epoch++) {
        double total = 0;
        CT_FOR_EACH_BATCH(dataloader, x, y) {
            CT_SCOPE {
                ct_tensor *loss = ct_mse_loss(ct_forward(model, x), y);
                ct_zero_grad(opt);
                ct_backward(loss);
                ct_step(opt);
                total += ct_item(loss) * (double)ct_size(x, 0);
            }
        }
        if (epoch % 20 == 0) printf("epoch %d, loss %.6f\n", epoch, total / N);
    }
    ct_tensor *w = ct_module_get(model, "weight"), *b = ct_module_get(model, "bias");
    printf("learned w = (%.3f, %.3f), b = %.3f   (true: (2, -3), 1)\n", ct_get(w, (int64_t[]){0, 0}),
           ct_get(w, (int64_t[]){0, 1}), ct_get(b, (int64_t[]){0}));

    ct_optimizer_free(opt);
    ct_module_free(model);
    ct_loader_free(dataloader);
    ct_dataset_free(dataset);
    return 0;
}
