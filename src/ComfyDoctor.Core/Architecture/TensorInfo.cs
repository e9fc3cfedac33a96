namespace ComfyDoctor.Core.Architecture;

/// <summary>One tensor as a model file's header describes it: its name and its shape in PyTorch order (outermost first).</summary>
public sealed record TensorInfo(string Name, IReadOnlyList<long> Shape);
