using System.Globalization;

namespace ComfyDoctor.FleetLoad;

/// <summary>One scan of the whole fleet: reports stored, seconds to the last, CPU seconds of the server, the database and
/// the load generator.</summary>
public sealed record ScanFigures(int Stored, double Seconds, double ServerCpuSeconds, double? DbCpuSeconds, double LoadCpuSeconds);

/// <summary>What one fleet run measured: the first scan (every inventory whole) and a routine re-scan (nothing changed: each
/// result a change against the stored one). CPU percentages are of one core; memory is the server process's resident set
/// (the largest replica's).</summary>
public sealed record FleetFigures(
    string Store,
    int Agents,
    double EnrollSeconds,
    double IdleServerCpuPercent,
    double? IdleDbCpuPercent,
    ScanFigures Scan,
    ScanFigures Rescan,
    double RssBeforeMib,
    double PeakRssMib
)
{
    public bool Complete => Scan.Stored == Agents && Rescan.Stored == Agents;

    public static string Header =>
        "| store | agents | reports stored | enroll s | idle server CPU % | idle db CPU % | scan → last report s | server CPU s | "
        + "server CPU ms/worker | db CPU s | load generator CPU s | re-scan stored | re-scan → last report s | "
        + "re-scan server CPU ms/worker | server RSS before MiB | server peak RSS MiB |\n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

    public string Row() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {Store} | {Agents} | {Scan.Stored} | {EnrollSeconds:0.0} | {IdleServerCpuPercent:0.0} | {Opt(IdleDbCpuPercent, "0.0")} "
                + $"| {Scan.Seconds:0.00} | {Scan.ServerCpuSeconds:0.00} | {Scan.ServerCpuSeconds * 1000 / Agents:0.0} | "
                + $"{Opt(Scan.DbCpuSeconds, "0.00")} | {Scan.LoadCpuSeconds:0.00} | {Rescan.Stored} | {Rescan.Seconds:0.00} | "
                + $"{Rescan.ServerCpuSeconds * 1000 / Agents:0.0} | {RssBeforeMib:0} | {PeakRssMib:0} |"
        );

    private static string Opt(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "—";
}
