using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// The steps after the pack's files are in a folder (a fresh staging folder or an existing checkout moved to a new
/// commit): look statically for the requested node types (a type not found is "not confirmed statically", never a
/// reason to refuse the pack: <see cref="NodeTypeEvidence"/>), apply the install-script policy, install its
/// requirements under constraints, run <c>install.py</c>. Remembers the pip state before, so a caller can put the
/// Python environment back with <see cref="RestoreAsync"/> when this or a later step fails.
/// </summary>
internal sealed class PackSetup(InstallPolicy policy, InstallContext context, NodeTypeScanner scanner, InstallLog log)
{
    private PythonEnvironment? _python;
    private PipSnapshot? _before;

    /// <summary>Runs the steps; returns each requested type's evidence. Throws <see cref="InstallStepException"/> on failure.</summary>
    public async Task<IReadOnlyList<NodeTypeResult>> RunAsync(
        string folder,
        PackInstallRequest request,
        Action<InstallStage, string> report,
        CancellationToken ct
    )
    {
        report(InstallStage.Verify, "looking for the node types in the source");
        var presence = Verify(folder, request);
        var unconfirmed = presence.Where(p => !p.IsConfirmed).Select(p => p.NodeType).ToList();
        if (unconfirmed.Count > 0)
        {
            report(InstallStage.Verify, $"not confirmed statically (installed anyway): {string.Join(", ", unconfirmed)}");
        }

        var requirements = Path.Combine(folder, "requirements.txt");
        var script = Path.Combine(folder, "install.py");
        var hasRequirements = File.Exists(requirements);
        var hasScript = File.Exists(script);
        if (hasScript && !policy.AllowInstallScripts)
        {
            throw new InstallStepException(InstallStage.InstallScript, "the pack has an install.py and the policy forbids install scripts");
        }

        if ((hasRequirements || hasScript) && context.PythonExecutable is null)
        {
            throw new InstallStepException(
                hasRequirements ? InstallStage.Requirements : InstallStage.InstallScript,
                $"the pack needs Python set-up ({(hasRequirements ? "requirements.txt" : "install.py")}) and ComfyUI's Python is not known "
                    + "(give --python, or run where ComfyUI's interpreter is found): refused and rolled back, as the plan said"
            );
        }

        if (hasRequirements || hasScript)
        {
            _before = await Python().SnapshotAsync(hasRequirements ? InstallStage.Requirements : InstallStage.InstallScript, ct);
        }

        if (hasRequirements)
        {
            report(InstallStage.Requirements, "installing requirements.txt under constraints");
            await InstallRequirementsAsync(folder, requirements, ct);
        }

        if (hasScript)
        {
            report(InstallStage.InstallScript, "running install.py");
            await Python().RunInstallScriptAsync(folder, context.ComfyUiRoot, ct);
        }

        return presence;
    }

    /// <summary>The requested types, each confirmed statically or not, with the evidence.</summary>
    public IReadOnlyList<NodeTypeResult> Verify(string folder, PackInstallRequest request)
    {
        IReadOnlyCollection<string> names;
        try
        {
            names = scanner(folder);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InstallStepException(InstallStage.Verify, $"the node scanner failed on the pack: {e.Message}", e);
        }

        return NodeTypeEvidence.Judge(folder, request.NodeTypes, names);
    }

    /// <summary>Puts the Python environment back as before <see cref="RunAsync"/>; returns what still differs.</summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(CancellationToken ct) =>
        _before is null || _python is null ? [] : await _python.RestoreAsync(_before, ct);

    private async Task InstallRequirementsAsync(string folder, string requirements, CancellationToken ct)
    {
        var problems = RequirementsGuard.Check(requirements, folder, policy);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                log.Add(problem);
            }

            throw new InstallStepException(
                InstallStage.Requirements,
                "requirements refused before running pip: " + string.Join("; ", problems)
            );
        }

        var constraints = ConstraintsFile.Write(Path.GetTempPath(), _before!, policy.DeniedRequirements);
        try
        {
            log.Add("constraints: " + string.Join(", ", File.ReadAllLines(constraints)));
            await Python().InstallRequirementsAsync(folder, requirements, constraints, ct);
        }
        finally
        {
            File.Delete(constraints);
        }
    }

    private PythonEnvironment Python() => _python ??= new PythonEnvironment(context.PythonExecutable!, log, policy);
}

/// <summary>Finds, statically, the node type names a pack folder's Python registers (<c>NODE_CLASS_MAPPINGS</c> keys).</summary>
public delegate IReadOnlyCollection<string> NodeTypeScanner(string packFolder);
