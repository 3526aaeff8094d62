<?xml version="1.0" encoding="windows-1252"?>
<!-- Une chaîne « active channel » d'Internet Explorer 4 -->
<CHANNEL HREF="https://gazette-rive.exemple.fr/"
  BASE="https://gazette-rive.exemple.fr/chaine/"
  LASTMOD="2026-11-30T18:00"
  PRECACHE="YES" LEVEL="0">
  <TITLE>La Gazette de la Rive</TITLE>
  <ABSTRACT>Les nouvelles du quartier, chaque soir.</ABSTRACT>
  <SCHEDULE><INTERVALTIME DAY="1"/></SCHEDULE>
  <LOGO HREF="logo-large.gif" STYLE="IMAGE-WIDE"/>
  <ITEM HREF="marche-de-noel.html" LASTMOD="2026-11-30T17:45" PRECACHE="YES" LEVEL="1">
    <TITLE>Le marché de Noël ouvre ses chalets sur le quai</TITLE>
    <ABSTRACT>Quarante exposants sont attendus jusqu'au 24 décembre.</ABSTRACT>
    <LOGO HREF="chalets.gif" STYLE="IMAGE"/>
  </ITEM>
  <ITEM HREF="https://gazette-rive.exemple.fr/sports/regate.html?xtor=CDF-1" LASTMOD="2026-11-29T09:00">
    <TITLE>Régate : le club de voile remporte la coupe d'automne</TITLE>
    <ABSTRACT>Trois bateaux du club ont fini aux trois premières places.</ABSTRACT>
  </ITEM>
  <CHANNEL HREF="culture/">
    <TITLE>Culture</TITLE>
    <ITEM HREF="culture/expo-photo.html" LASTMOD="2026-11-28T12:30">
      <TITLE>Une exposition de photographies anciennes à la mairie</TITLE>
      <ABSTRACT>Des clichés du port pris entre 1900 et 1930.</ABSTRACT>
    </ITEM>
  </CHANNEL>
</CHANNEL>
