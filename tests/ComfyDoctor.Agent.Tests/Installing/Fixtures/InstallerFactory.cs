using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Tests.Installing.Fixtures;

/// <summary>Installers and policies as the tests use them: the real static node scanner, a catalog of test URLs.</summary>
public static class InstallerFactory
{
    public static NodeTypeScanner Scanner => NodeClassScanner.Scan;

    public static InstallPolicy Policy(params string[] catalogUrls) =>
        InstallPolicy.CatalogOnly(catalogUrls) with
        {
            InstallScriptTimeout = TimeSpan.FromMinutes(2),
        };

    public static NodePackInstaller Installer(InstallPolicy policy, RegistryClient? registry = null) => new(policy, Scanner, registry);
}
