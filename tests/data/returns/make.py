#!/usr/bin/python3
"""Write the returns fixtures as Excel writes them (run from this directory).

The files are committed; this script says byte for byte how they were made:
- uk_excel_utf8.csv: Excel (UK) "CSV UTF-8 (Comma delimited)": a byte order
  mark, CRLF line ends, a quoted comment spanning two lines, doubled quotes,
  a code typed with a trailing space, "95.5%" in a percent KPI's value,
  "1,234" with a thousands comma, and the ",,,,," rows Excel leaves where
  formatted cells were cleared.
- semicolon_excel_1252.csv: Excel in a locale whose list separator is ';'
  and decimal separator ',' (France, Germany), "CSV (Comma delimited)":
  Windows-1252 (no BOM), decimal commas throughout, ";;;;;" rows at the end.
- tab_text_1252.txt: Excel's "Text (Tab delimited)", Windows-1252, sent as
  text/plain.
- semicolon_mixed.csv: a semicolon file mixing decimal commas and points.
- errors.csv: a return with mistakes on several lines, for the errors'
  order, suggestions and repeats.
"""


def write(name, text, encoding, bom=b""):
    with open(name, "wb") as f:
        f.write(bom + text.replace("\n", "\r\n").encode(encoding))


write("uk_excel_utf8.csv",
      "kind,code,status,value,value_text,comment\n"
      "milestone,UC1.1 ,G,,,\"On track;\nsecond line of the comment\"\n"
      "milestone,CH6.4,B,,,Published on the Council website\n"
      "kpi,UC/KPI 4,G,95.5%,,\n"
      "kpi,UC/KPI 1,A,\"1,234\",,\"Winter: \"\"escalated\"\"\"\n"
      ",,,,,\n"
      ",,,,,\n",
      "utf-8", b"\xef\xbb\xbf")
write("semicolon_excel_1252.csv",
      "kind;code;status;value;value_text;comment\n"
      "milestone;UC1.2;A;;;Livr\u00e9 en retard\n"
      "kpi;UC/KPI 4;A;95,5;;\"Hiver; pression\"\n"
      "kpi;UC/KPI 1;G;12;;\n"
      "kpi;UC/KPI 6;R;0,5;;caf\u00e9\n"
      ";;;;;\n",
      "cp1252")
write("tab_text_1252.txt",
      "kind\tcode\tstatus\tvalue\tvalue_text\tcomment\n"
      "milestone\tUC1.3\tBR\t\t\tNot due to start \u2013 d\u00e9but en juin\n",
      "cp1252")
write("semicolon_mixed.csv",
      "kind;code;status;value;value_text;comment\n"
      "kpi;UC/KPI 4;A;95,5;;\n"
      "kpi;UC/KPI 6;G;96.2;;\n",
      "cp1252")
write("errors.csv",
      "kind,code,status,value,value_text,comment\n"
      "kpi,UC/KPI1,G,5,,\n"
      "milestone,UC/KPI 6,G,12,,\n"
      "milestone,UC1.1,Purple,,,\n"
      "kpi,UC/KPI 4,G,\"95,5\",,\n"
      "milestone,uc1.2,G,,,\n"
      "milestone,UC1.1,A,,,\n"
      "kpi,UC/KPI 2,G,1,,\n"
      "widget,UC1.3,G,,,\n"
      "kpi,UC1.3,G,,,\n",
      "utf-8")
