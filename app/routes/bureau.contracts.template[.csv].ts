import { toCsv } from "~/services/contracts/csv";
import { CONTRACT_COLUMNS } from "~/services/contracts/validation";

// An empty import file with the header row and one example line, UTF-8 with a BOM so Excel opens it correctly.
export function loader() {
  const body = toCsv([
    [...CONTRACT_COLUMNS],
    ["LY2024-JS-0001", "2024-03-15", "development", "new_materials", "河南科技大学", "university", "洛阳某轴承有限公司", "涧西区", "1200000.00", "1000000.00"],
  ]);
  return new Response(body, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="contracts-template.csv"' },
  });
}
