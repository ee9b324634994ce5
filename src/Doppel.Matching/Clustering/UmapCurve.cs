namespace Doppel.Matching.Clustering;

/// <summary>
/// UMAP's low-dimensional similarity 1 / (1 + a·d^(2b)), with a and b fitted by least squares to
/// the target curve that is 1 up to min_dist and decays as exp(−(d − min_dist)/spread) beyond it
/// (on 300 points over [0, 3·spread], as umap-learn's find_ab_params does).
/// </summary>
public static class UmapCurve
{
    public static (double A, double B) Fit(double minDist, double spread = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minDist);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spread);
        if (minDist >= spread)
            throw new ArgumentOutOfRangeException(nameof(minDist), "min_dist must be smaller than spread.");
        const int samples = 300;
        var x = new double[samples];
        var y = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            x[i] = 3 * spread * i / (samples - 1);
            y[i] = x[i] < minDist ? 1.0 : Math.Exp(-(x[i] - minDist) / spread);
        }

        // Levenberg–Marquardt on the two parameters.
        double a = 1, b = 1, damping = 1e-3;
        double cost = Cost(a, b);
        for (int iteration = 0; iteration < 500; iteration++)
        {
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (int i = 1; i < samples; i++)
            {
                double u = Math.Pow(x[i], 2 * b);
                double f = 1 / (1 + a * u);
                double r = f - y[i];
                double dfdA = -u * f * f;
                double dfdB = -a * u * 2 * Math.Log(x[i]) * f * f;
                jaa += dfdA * dfdA; jab += dfdA * dfdB; jbb += dfdB * dfdB;
                ga += dfdA * r; gb += dfdB * r;
            }
            double maa = jaa * (1 + damping), mbb = jbb * (1 + damping);
            double det = maa * mbb - jab * jab;
            if (det == 0)
                break;
            double da = -(mbb * ga - jab * gb) / det;
            double db = -(maa * gb - jab * ga) / det;
            double newCost = Cost(a + da, b + db);
            if (newCost < cost)
            {
                bool converged = Math.Abs(cost - newCost) < 1e-15 * Math.Max(1, cost);
                a += da; b += db; cost = newCost;
                damping = Math.Max(damping / 10, 1e-12);
                if (converged)
                    break;
            }
            else
            {
                damping *= 10;
                if (damping > 1e12)
                    break;
            }
        }
        return (a, b);

        double Cost(double a, double b)
        {
            if (a <= 0 || b <= 0)
                return double.PositiveInfinity;
            double sum = 0;
            for (int i = 0; i < samples; i++)
            {
                double f = 1 / (1 + a * Math.Pow(x[i], 2 * b));
                sum += (f - y[i]) * (f - y[i]);
            }
            return sum;
        }
    }
}
