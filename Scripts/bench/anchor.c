// The decode loop of karpathy/llama2.c run.c (MIT), reduced to a benchmark on random weights of
// the stories15M shape, so `llama bench` can be compared with it on the same machine and load.
// Build: gcc -Ofast -march=native -fopenmp Scripts/bench/anchor.c -lm -o /tmp/anchor
// Run:   OMP_NUM_THREADS=2 /tmp/anchor [tokens]
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { DIM = 288, HIDDEN = 768, LAYERS = 6, HEADS = 6, KV_HEADS = 6, VOCAB = 32000, SEQ = 256 };

static float *rnd(size_t n) {
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = ((float)rand() / RAND_MAX - 0.5f) * 0.04f;
    return p;
}

static void rmsnorm(float *o, const float *x, const float *w, int n) {
    float ss = 0;
    for (int j = 0; j < n; j++) ss += x[j] * x[j];
    ss = 1.0f / sqrtf(ss / n + 1e-5f);
    for (int j = 0; j < n; j++) o[j] = w[j] * (ss * x[j]);
}

static void softmax(float *x, int n) {
    float m = x[0], s = 0;
    for (int i = 1; i < n; i++) if (x[i] > m) m = x[i];
    for (int i = 0; i < n; i++) { x[i] = expf(x[i] - m); s += x[i]; }
    for (int i = 0; i < n; i++) x[i] /= s;
}

static void matmul(float *xout, const float *x, const float *w, int n, int d) {
    int i;
#pragma omp parallel for private(i)
    for (i = 0; i < d; i++) {
        float v = 0;
        for (int j = 0; j < n; j++) v += w[i * n + j] * x[j];
        xout[i] = v;
    }
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 256;
    if (steps > SEQ) steps = SEQ;
    int hs = DIM / HEADS, kv = DIM * KV_HEADS / HEADS, mul = HEADS / KV_HEADS;
    float *emb = rnd((size_t)VOCAB * DIM), *ratt = rnd(LAYERS * DIM), *rffn = rnd(LAYERS * DIM), *rfin = rnd(DIM);
    float *wq = rnd((size_t)LAYERS * DIM * DIM), *wk = rnd((size_t)LAYERS * DIM * kv), *wv = rnd((size_t)LAYERS * DIM * kv);
    float *wo = rnd((size_t)LAYERS * DIM * DIM), *w1 = rnd((size_t)LAYERS * DIM * HIDDEN), *w2 = rnd((size_t)LAYERS * DIM * HIDDEN);
    float *w3 = rnd((size_t)LAYERS * DIM * HIDDEN);
    float *x = calloc(DIM, 4), *xb = calloc(DIM, 4), *xb2 = calloc(DIM, 4), *hb = calloc(HIDDEN, 4), *hb2 = calloc(HIDDEN, 4);
    float *q = calloc(DIM, 4), *att = calloc((size_t)HEADS * SEQ, 4), *logits = calloc(VOCAB, 4);
    float *kc = calloc((size_t)LAYERS * SEQ * kv, 4), *vc = calloc((size_t)LAYERS * SEQ * kv, 4);
    struct timespec t0, t1;
    int token = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int pos = 0; pos < steps; pos++) {
        memcpy(x, emb + (size_t)token * DIM, DIM * 4);
        for (int l = 0; l < LAYERS; l++) {
            rmsnorm(xb, x, ratt + l * DIM, DIM);
            int loff = l * SEQ * kv;
            float *k = kc + loff + pos * kv, *v = vc + loff + pos * kv;
            matmul(q, xb, wq + (size_t)l * DIM * DIM, DIM, DIM);
            matmul(k, xb, wk + (size_t)l * DIM * kv, DIM, kv);
            matmul(v, xb, wv + (size_t)l * DIM * kv, DIM, kv);
            for (int i = 0; i < DIM; i += 2) {
                float f = 1.0f / powf(10000.0f, (i % hs) / (float)hs), val = pos * f, fcr = cosf(val), fci = sinf(val);
                for (int r = 0; r < (i < kv ? 2 : 1); r++) {
                    float *vec = r == 0 ? q : k, v0 = vec[i], v1 = vec[i + 1];
                    vec[i] = v0 * fcr - v1 * fci;
                    vec[i + 1] = v0 * fci + v1 * fcr;
                }
            }
            int h;
#pragma omp parallel for private(h)
            for (h = 0; h < HEADS; h++) {
                float *qh = q + h * hs, *a = att + h * SEQ;
                for (int t = 0; t <= pos; t++) {
                    float *kh = kc + loff + t * kv + (h / mul) * hs, s = 0;
                    for (int i = 0; i < hs; i++) s += qh[i] * kh[i];
                    a[t] = s / sqrtf(hs);
                }
                softmax(a, pos + 1);
                float *o = xb + h * hs;
                memset(o, 0, hs * 4);
                for (int t = 0; t <= pos; t++) {
                    float *vh = vc + loff + t * kv + (h / mul) * hs;
                    for (int i = 0; i < hs; i++) o[i] += a[t] * vh[i];
                }
            }
            matmul(xb2, xb, wo + (size_t)l * DIM * DIM, DIM, DIM);
            for (int i = 0; i < DIM; i++) x[i] += xb2[i];
            rmsnorm(xb, x, rffn + l * DIM, DIM);
            matmul(hb, xb, w1 + (size_t)l * DIM * HIDDEN, DIM, HIDDEN);
            matmul(hb2, xb, w3 + (size_t)l * DIM * HIDDEN, DIM, HIDDEN);
            for (int i = 0; i < HIDDEN; i++) hb[i] = hb[i] / (1.0f + expf(-hb[i])) * hb2[i];
            matmul(xb, hb, w2 + (size_t)l * DIM * HIDDEN, HIDDEN, DIM);
            for (int i = 0; i < DIM; i++) x[i] += xb[i];
        }
        rmsnorm(x, x, rfin, DIM);
        matmul(logits, x, emb, DIM, VOCAB);
        int best = 0;
        for (int i = 1; i < VOCAB; i++) if (logits[i] > logits[best]) best = i;
        token = best;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("anchor (llama2.c run.c algorithm, C -Ofast -march=native -fopenmp): %d tokens in %.3f s = %.1f tokens/s\n", steps, s, steps / s);
    return 0;
}
