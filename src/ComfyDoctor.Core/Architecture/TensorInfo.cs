namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// One tensor as a model file's header describes it: its name and its shape in PyTorch order (outermost first); the
/// shape is null where the file names the tensor without showing its size (a pickle the scan could not follow that
/// far): every rule that needs a dimension then sees none and does not decide.
/// </summary>
public sealed record TensorInfo(string Name, IReadOnlyList<long>? Shape);
