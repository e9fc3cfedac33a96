using ComfyDoctor.AgentBench;

// Agent paths timed in a process of their own (bench/sync.sh and bench/run.sh drive it):
//   serve DIR PORT                 a Kestrel file server (sendfile, Range requests) over DIR on 127.0.0.1:PORT
//   fetch URL SHA256 SIZE DEST     ComfyDoctor's verified transfer of URL to DEST; prints seconds and peak RSS
//   hash FILE                      the scanner's hashing of FILE; prints the hash, seconds and peak RSS
//   reads DIR [N]                  bytes read by cold, routine and pre-kind-cache scans of 3×N header-only model files
return args switch
{
    ["serve", var root, var port] => await FileServer.RunAsync(root, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)),
    ["fetch", var url, var sha, var size, var dest] => await VerifiedFetch.RunAsync(
        new Uri(url),
        sha,
        long.Parse(size, System.Globalization.CultureInfo.InvariantCulture),
        dest
    ),
    ["hash", var file] => TimedHash.Run(file),
    ["reads", var dir] => await ScanReads.RunAsync(dir, 10),
    ["reads", var dir, var n] => await ScanReads.RunAsync(dir, int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: serve DIR PORT | fetch URL SHA256 SIZE DEST | hash FILE | reads DIR [N]");
    return 2;
}
