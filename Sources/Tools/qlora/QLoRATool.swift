import ArgumentParser

@main
struct QLoRATool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qlora",
        abstract: "Explainable hate-speech detection with source-specific LoRA adapters on a 4-bit Llama.",
        discussion: """
        Typical use:
          qlora infer --eval_str "some statement"            # the bundled default model, adapters and router
          qlora serve --port 8080                             # the same detector over HTTP (a page at /)
          qlora data --dataset davidson --split train --out davidson-train.jsonl --shared ../shared
          qlora train --model MODEL --data_path davidson-train.jsonl --output_dir out/microblogs
          qlora router train --model MODEL --data_path all.jsonl --sources microblogs,forums,wikitalk --out router.safetensors
          qlora eval --model MODEL --adapter microblogs=out/microblogs ... --router router.safetensors --shared ../shared
        """,
        subcommands: [Train.self, Infer.self, Logits.self, Eval.self, RouterCommand.self, DataCommand.self, Bench.self, Serve.self, PackBundle.self, BuildTinyBundle.self])
}

/// Both spellings of a flag, as the paper's scripts (`--num_train_epochs`) and the usual CLI style (`--num-train-epochs`).
func both(_ name: String) -> NameSpecification {
    let dashed = name.replacingOccurrences(of: "_", with: "-")
    return dashed == name ? [.customLong(name)] : [.customLong(name), .customLong(dashed)]
}
