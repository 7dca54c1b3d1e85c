"""The PyTorch + PEFT reference for `qlora bench`: one LoRA training step (r 8 on all seven
projections, batch 4 x 64 tokens, forward, backward, clipping, AdamW) on a random stories15M-shaped
Llama, timed the way the Swift benchmark times ours (mean of 5 steps after one warm-up).

Times an fp32 base and, when bitsandbytes' CPU backend can train through Linear4bit, an NF4 base
with double quantization. Prints one line; exits 1 when torch or peft is missing.
"""
import argparse
import sys
import time

import warnings

warnings.filterwarnings("ignore")
try:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM
except ImportError:
    sys.exit(1)


def model(nf4):
    config = LlamaConfig(hidden_size=288, intermediate_size=768, num_hidden_layers=6, num_attention_heads=6,
                         num_key_value_heads=6, vocab_size=32000, max_position_embeddings=256, tie_word_embeddings=True)
    torch.manual_seed(1)
    m = LlamaForCausalLM(config)
    if nf4:
        import bitsandbytes as bnb
        for layer in m.model.layers:
            for parent in (layer.self_attn, layer.mlp):
                for name in ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"):
                    if not hasattr(parent, name):
                        continue
                    dense = getattr(parent, name)
                    q = bnb.nn.Linear4bit(dense.in_features, dense.out_features, bias=False, compute_dtype=torch.float32,
                                          quant_type="nf4", compress_statistics=True)
                    q.weight = bnb.nn.Params4bit(dense.weight.data, requires_grad=False, quant_type="nf4", compress_statistics=True)
                    q.weight = q.weight.to("cpu")  # quantizes on the CPU backend
                    setattr(parent, name, q)
    lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, bias="none",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    return get_peft_model(m, lora)


def seconds_per_step(m, steps):
    torch.manual_seed(2)
    ids = torch.randint(0, 32000, (4, 64))
    params = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)

    def step():
        loss = m(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 0.3)
        opt.step()
        opt.zero_grad()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    fp32 = seconds_per_step(model(nf4=False), args.steps)
    try:
        nf4 = f"{seconds_per_step(model(nf4=True), args.steps):.3f} s/step"
    except Exception as e:  # bitsandbytes without a CPU backend for 4-bit training
        nf4 = f"unavailable ({type(e).__name__})"
    print(f"  PyTorch {torch.__version__} + PEFT, stories15M-shaped, {args.threads} threads: NF4 base (bitsandbytes) {nf4}; "
          f"fp32 base {fp32:.3f} s/step, {4 * 64 / fp32:.0f} tokens/s")

if __name__ == "__main__":
    main()
