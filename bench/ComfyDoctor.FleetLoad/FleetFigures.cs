using System.Globalization;

namespace ComfyDoctor.FleetLoad;

/// <summary>What one fleet run measured. CPU percentages are of one core; memory is the server process's resident set.</summary>
public sealed record FleetFigures(
    string Store,
    int Agents,
    int Stored,
    double EnrollSeconds,
    double IdleServerCpuPercent,
    double? IdleDbCpuPercent,
    double ScanSeconds,
    double ScanServerCpuSeconds,
    double? ScanDbCpuSeconds,
    double LoadCpuSeconds,
    double RssBeforeMib,
    double PeakRssMib
)
{
    public bool Complete => Stored == Agents;

    public static string Header =>
        "| store | agents | reports stored | enroll s | idle server CPU % | idle db CPU % | scan → last report s | server CPU s | "
        + "server CPU ms/worker | db CPU s | load generator CPU s | server RSS before MiB | server peak RSS MiB | peak MiB/worker |\n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

    public string Row() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {Store} | {Agents} | {Stored} | {EnrollSeconds:0.0} | {IdleServerCpuPercent:0.0} | {Opt(IdleDbCpuPercent, "0.0")} "
                + $"| {ScanSeconds:0.00} | "
                + $"{ScanServerCpuSeconds:0.00} | {ScanServerCpuSeconds * 1000 / Agents:0.0} | {Opt(ScanDbCpuSeconds, "0.00")} | "
                + $"{LoadCpuSeconds:0.00} | "
                + $"{RssBeforeMib:0} | {PeakRssMib:0} | {(PeakRssMib - RssBeforeMib) / Agents:0.00} |"
        );

    private static string Opt(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "—";
}
