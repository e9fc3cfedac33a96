using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Core.Tests.Snapshots;

/// <summary>What <c>pip freeze</c> leaves out, as pip's <c>_dev_pkgs</c> decides it: so an export lists what Manager's would.</summary>
public sealed class PipFreezeTests
{
    [Theory]
    [InlineData("pip", "3.11.7", true)]
    [InlineData("pip", "3.12.1", true)]
    [InlineData("setuptools", "3.11.7", true)]
    [InlineData("wheel", "3.10.12", true)]
    [InlineData("setuptools", null, true)]
    [InlineData("setuptools", "3.12.1", false)]
    [InlineData("wheel", "3.13.0", false)]
    [InlineData("numpy", "3.11.7", false)]
    public void Freeze_leaves_out_pip_and_before_python_3_12_its_build_backends(string name, string? python, bool leftOut) =>
        Assert.Equal(leftOut, PipFreeze.LeavesOut(name, python));
}
