#!/usr/bin/env python3
"""Where a Seawall filter's server time goes, from a JFR recording of SideBySideBenchmark.

    java -cp benchmarks/target/benchmarks.jar dev.seawall.bench.SideBySideBenchmark --runs admission \
        --setups bare-jetty,seawall-ip --rounds 2 --round-seconds 8 --server-jvm "-Xms1g -Xmx1g -Xmn512m \
        -XX:+AlwaysPreTouch -XX:StartFlightRecording=filename=/tmp/s-{setup}.jfr,settings=profile,jdk.ExecutionSample#period=1ms"
    jfr print --json --events jdk.ExecutionSample --stack-depth 80 /tmp/s-seawall-ip.jfr > /tmp/s.json
    python3 benchmarks/scripts/jfr-breakdown.py /tmp/s.json [anchor-method] [--skip SECONDS]

--skip drops the samples of the first SECONDS after the server's first request-thread sample (default 0): the
warm-up, while the JIT still compiles, over-weights rarely taken paths (in one profile the Caffeine accesses
recorded about once per millisecond showed as much as the bucket compare-and-set run on every request).
Every setup's server is a JVM of its own, so each recording holds one setup. Per Jetty thread pool: samples, samples inside SeawallFilter.doFilter, and those not inside
the application (ServletHandler$ChainEnd.doFilter) grouped by the first frames below the filter. With an
anchor (e.g. RateLimitStage.admit), the frames below that method instead.
"""
import collections
import datetime
import json
import sys


def frames(event):
    return [(f['method']['type']['name'] + '.' + f['method']['name']).replace('/', '.')
            for f in event['values']['stackTrace']['frames']]


def short(name):
    parts = name.split('.')
    return parts[-2] + '.' + parts[-1]


def when(event):
    return datetime.datetime.fromisoformat(event['values']['startTime'].replace('Z', '+00:00'))


def main():
    args = sys.argv[1:]
    skip = 0.0
    if '--skip' in args:
        i = args.index('--skip')
        skip = float(args[i + 1])
        del args[i:i + 2]
    events = [e for e in json.load(open(args[0]))['recording']['events']
              if e['values'].get('stackTrace') and e['values'].get('sampledThread')]
    anchor = args[1] if len(args) > 1 else 'SeawallFilter.doFilter'
    if skip > 0:
        served = [when(e) for e in events if (e['values']['sampledThread']['javaName'] or '').startswith('qtp')]
        if served:
            start = min(served) + datetime.timedelta(seconds=skip)
            events = [e for e in events if when(e) >= start]
    pools = collections.defaultdict(list)
    for e in events:
        name = e['values']['sampledThread']['javaName'] or ''
        if name.startswith('qtp'):
            pools[name.split('-')[0]].append(frames(e))
    for pool, samples in pools.items():
        inside = [s for s in samples if any(n.endswith(anchor) for n in s)]
        print(f'{pool}: {len(samples)} samples, {len(inside)} inside {anchor}')
        if not inside:
            continue
        own = [s for s in inside if anchor != 'SeawallFilter.doFilter'
               or not any('ChainEnd.doFilter' in n for n in s)]
        if anchor == 'SeawallFilter.doFilter':
            print(f'  of which not in the application: {len(own)}')
        paths = collections.Counter()
        for s in own:
            i = max(k for k, n in enumerate(s) if n.endswith(anchor))
            paths[' > '.join(short(n) for n in s[max(0, i - 3):i][::-1])] += 1
        for path, count in paths.most_common(25):
            print(f'  {count:5d}  {path}')


if __name__ == '__main__':
    main()
