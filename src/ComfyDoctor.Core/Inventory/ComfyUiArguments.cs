namespace ComfyDoctor.Core.Inventory;

/// <summary>
/// The arguments of a running ComfyUI that decide where it looks for models and custom nodes, as it was started
/// (paths as written, relative ones against ComfyUI's working folder). Only these are kept: the rest of its command line
/// (a <c>--database-url</c>, TLS key paths) stays on the worker.
/// </summary>
/// <param name="Program"><c>argv[0]</c>: the <c>main.py</c> it runs.</param>
/// <param name="BaseDirectory"><c>--base-directory</c>: models, custom_nodes, input, output… under it.</param>
/// <param name="ModelsDirectory"><c>--models-directory</c> (newer ComfyUI): the models folder itself.</param>
/// <param name="OutputDirectory"><c>--output-directory</c>: its <c>checkpoints</c>, <c>clip</c>, <c>vae</c>,
/// <c>diffusion_models</c> and <c>loras</c> are model folders too.</param>
/// <param name="ExtraModelPathsConfigs">Every <c>--extra-model-paths-config</c> file, in order.</param>
public sealed record ComfyUiArguments(
    string? Program,
    string? BaseDirectory,
    string? ModelsDirectory,
    string? OutputDirectory,
    IReadOnlyList<string> ExtraModelPathsConfigs
);
