using System.CommandLine;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Cli.Commands;

/// <summary>The options of <c>check --fix nodes|models</c>: what installs are allowed, where packs and models come from.</summary>
public sealed class FixOptions
{
    public Option<string[]> Fix { get; } =
        new("--fix")
        {
            Description =
                "Repair here: 'nodes' installs missing node packs at the pinned version; 'models' fetches missing or corrupted "
                + "registry models, verified",
            AllowMultipleArgumentsPerToken = true,
        };
    public Option<string[]> ModelMirrors { get; } =
        new("--model-mirror")
        {
            Description =
                "With --fix models: a mirror tried after the registry's URLs, an HTTP base URL or a folder (the identity is appended)",
        };
    public Option<int> QuarantineDays { get; } =
        new("--quarantine-days")
        {
            Description = "Replaced model files are kept this many days under <comfyui>/.comfydoctor/quarantine",
            DefaultValueFactory = _ => 14,
        };
    public Option<int> LockWait { get; } =
        new("--lock-wait")
        {
            Description =
                "With --fix: seconds to wait while another repair of this ComfyUI holds its lock (<comfyui>/.comfydoctor/lock), "
                + "then give up with exit code 2",
            DefaultValueFactory = _ => 600,
        };
    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "With --fix: show what would be installed, change nothing" };
    public Option<string[]> GitMirrors { get; } =
        new("--git-mirror") { Description = "Rewrite repository URLs before cloning: FROM=TO (e.g. https://github.com/=file:///srv/git/)" };
    public Option<string[]> AllowPrefixes { get; } =
        new("--allow-url-prefix")
        {
            Description = "Also install packs from repositories under this URL prefix (beyond the catalog and pins)",
        };
    public Option<bool> AllowUnlisted { get; } =
        new("--allow-unlisted")
        {
            Description =
                "Install repositories that are in neither the catalog nor the pins (off: a workflow cannot pull in an unlisted repository)",
        };
    public Option<bool> NoInstallScripts { get; } =
        new("--no-install-scripts") { Description = "Never run a pack's install.py (packs that need one are skipped by policy)" };
    public Option<bool> StrictPins { get; } =
        new("--strict-pins")
        {
            Description =
                "A pin the repository lacks fails instead of installing the nearest older release (a semver never released) or "
                + "the default branch head (a commit not there), which report node.version-mismatch",
        };

    public Option<bool> AllowDirectRequirements { get; } =
        new("--allow-direct-requirements")
        {
            Description =
                "Accept requirement lines that name a URL, VCS or path (git+https://…); off: they bypass the admin's index, "
                + "and a pack that has one is refused",
        };

    public Option<string?> PipArgs { get; } =
        new("--pip-args") { Description = "Extra pip options, e.g. \"--no-index --find-links /srv/wheels\"" };
    public Option<Uri?> RegistryApi { get; } =
        UriOptions.Http("--registry-api", "A Comfy-Registry-compatible API base URL: packs with a registry id are downloaded from it");

    public IEnumerable<Option> All =>
        [
            Fix,
            DryRun,
            LockWait,
            GitMirrors,
            AllowPrefixes,
            AllowUnlisted,
            NoInstallScripts,
            StrictPins,
            AllowDirectRequirements,
            PipArgs,
            RegistryApi,
            ModelMirrors,
            QuarantineDays,
        ];

    /// <summary>What an agent takes of these: its own node-pack source policy and quarantine (what to fix comes from the server).</summary>
    public IEnumerable<Option> RepairPolicyOptions =>
        [
            LockWait,
            GitMirrors,
            AllowPrefixes,
            AllowUnlisted,
            NoInstallScripts,
            StrictPins,
            AllowDirectRequirements,
            PipArgs,
            RegistryApi,
            QuarantineDays,
        ];

    public bool FixNodes(ParseResult parse) => parse.GetValue(Fix)?.Contains("nodes", StringComparer.Ordinal) == true;

    public bool FixModels(ParseResult parse) => parse.GetValue(Fix)?.Contains("models", StringComparer.Ordinal) == true;

    /// <summary>Mirror folders become file URLs; HTTP mirrors stay as they are; each is named after where it is.</summary>
    public IReadOnlyList<ModelMirror> Mirrors(ParseResult parse) =>
        (parse.GetValue(ModelMirrors) ?? [])
            .Select(m => ModelMirror.Parse(Uri.TryCreate(m, UriKind.Absolute, out _) ? m : Path.GetFullPath(m)))
            .ToList();

    public void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        if (result.GetValue(LockWait) < 0)
        {
            result.AddError("--lock-wait: expected seconds, 0 or more");
        }

        foreach (var target in result.GetValue(Fix) ?? [])
        {
            if (target is not ("nodes" or "models"))
            {
                result.AddError($"--fix {target}: expected 'nodes' or 'models'");
            }
        }

        foreach (var mirror in result.GetValue(GitMirrors) ?? [])
        {
            try
            {
                GitMirror.Parse(mirror);
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
            }
        }
    }

    /// <summary>The admin's policy: catalog and pinned repositories, plus what the options allow.</summary>
    public InstallPolicy Policy(ParseResult parse, NodeCatalog? catalog, AdminPins pins)
    {
        var listed = (catalog?.Packs.Select(p => p.Url) ?? []).Concat(pins.Packs.Select(p => p.Url));
        return InstallPolicy.CatalogOnly(listed) with
        {
            AllowedUrlPrefixes = parse.GetValue(AllowPrefixes) ?? [],
            AllowUnlisted = parse.GetValue(AllowUnlisted),
            AllowInstallScripts = !parse.GetValue(NoInstallScripts),
            PipArgs = SplitArgs(parse.GetValue(PipArgs)),
            Mirrors = (parse.GetValue(GitMirrors) ?? []).Select(GitMirror.Parse).ToList(),
            StrictPins = parse.GetValue(StrictPins),
            AllowDirectReferences = parse.GetValue(AllowDirectRequirements),
        };
    }

    private static List<string> SplitArgs(string? text) =>
        text is null ? [] : [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
