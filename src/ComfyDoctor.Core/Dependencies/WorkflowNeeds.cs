using ComfyDoctor.Core.Diagnosis;

namespace ComfyDoctor.Core.Dependencies;

/// <summary>What one registered workflow needs: model identities (<c>unknown/x</c> when it names no folder) and node packs.</summary>
public sealed record WorkflowNeeds(string Workflow, IReadOnlyList<string> Models, IReadOnlyList<RequiredNodePack> NodePacks);
