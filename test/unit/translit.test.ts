/**
 * The official Ukrainian transliteration (Resolution of the Cabinet of
 * Ministers of Ukraine No. 55 of 27 January 2010) and the ids made with it.
 */
import { describe, expect, it } from 'vitest';
import { slugId, transliterate } from '../../common/words/translit.ts';

describe('transliterate', () => {
  // Every example of the resolution's table, letter by letter.
  it.each([
    ['Алушта', 'Alushta'],
    ['Андрій', 'Andrii'],
    ['Борщагівка', 'Borshchahivka'],
    ['Борисенко', 'Borysenko'],
    ['Вінниця', 'Vinnytsia'],
    ['Володимир', 'Volodymyr'],
    ['Гадяч', 'Hadiach'],
    ['Богдан', 'Bohdan'],
    ['Згурський', 'Zghurskyi'],
    ['Ґалаґан', 'Galagan'],
    ['Ґорґани', 'Gorgany'],
    ['Донецьк', 'Donetsk'],
    ['Дмитро', 'Dmytro'],
    ['Рівне', 'Rivne'],
    ['Олег', 'Oleh'],
    ['Есмань', 'Esman'],
    ['Єнакієве', 'Yenakiieve'],
    ['Гаєвич', 'Haievych'],
    ["Короп'є", 'Koropie'],
    ['Житомир', 'Zhytomyr'],
    ['Жанна', 'Zhanna'],
    ['Жежелів', 'Zhezheliv'],
    ['Закарпаття', 'Zakarpattia'],
    ['Казимирчук', 'Kazymyrchuk'],
    ['Медвин', 'Medvyn'],
    ['Михайленко', 'Mykhailenko'],
    ['Іванків', 'Ivankiv'],
    ['Іващенко', 'Ivashchenko'],
    ['Їжакевич', 'Yizhakevych'],
    ['Кадиївка', 'Kadyivka'],
    ["Мар'їне", 'Marine'],
    ['Йосипівка', 'Yosypivka'],
    ['Стрий', 'Stryi'],
    ['Олексій', 'Oleksii'],
    ['Київ', 'Kyiv'],
    ['Коваленко', 'Kovalenko'],
    ['Лебедин', 'Lebedyn'],
    ['Леонід', 'Leonid'],
    ['Миколаїв', 'Mykolaiv'],
    ['Маринич', 'Marynych'],
    ['Ніжин', 'Nizhyn'],
    ['Наталія', 'Nataliia'],
    ['Одеса', 'Odesa'],
    ['Онищенко', 'Onyshchenko'],
    ['Полтава', 'Poltava'],
    ['Петро', 'Petro'],
    ['Решетилівка', 'Reshetylivka'],
    ['Рибчинський', 'Rybchynskyi'],
    ['Суми', 'Sumy'],
    ['Соломія', 'Solomiia'],
    ['Тернопіль', 'Ternopil'],
    ['Троць', 'Trots'],
    ['Ужгород', 'Uzhhorod'],
    ['Уляна', 'Uliana'],
    ['Фастів', 'Fastiv'],
    ['Філіпчук', 'Filipchuk'],
    ['Харків', 'Kharkiv'],
    ['Христина', 'Khrystyna'],
    ['Біла Церква', 'Bila Tserkva'],
    ['Стеценко', 'Stetsenko'],
    ['Чернівці', 'Chernivtsi'],
    ['Шевченко', 'Shevchenko'],
    ['Шостка', 'Shostka'],
    ['Кишеньки', 'Kyshenky'],
    ['Щербухи', 'Shcherbukhy'],
    ['Гоща', 'Hoshcha'],
    ['Гаращенко', 'Harashchenko'],
    ['Юрій', 'Yurii'],
    ['Корюківка', 'Koriukivka'],
    ['Яготин', 'Yahotyn'],
    ['Ярошенко', 'Yaroshenko'],
    ['Костянтин', 'Kostiantyn'],
    ["Знам'янка", 'Znamianka'],
    ['Феодосія', 'Feodosiia'],
    // зг is zgh, wherever it stands.
    ['Згорани', 'Zghorany'],
    ['Розгон', 'Rozghon'],
  ])('%s → %s', (uk, latin) => {
    expect(transliterate(uk)).toBe(latin);
  });

  it('drops every way of typing the apostrophe inside a word, and keeps the letter after it inside the word', () => {
    for (const apostrophe of ["'", '’', 'ʼ', '‘', '`']) expect(transliterate(`Знам${apostrophe}янка`)).toBe('Znamianka');
    // A quote around a word is not an apostrophe: the word still starts after it.
    expect(transliterate("'Ялта'")).toBe("'Yalta'");
  });

  it('starts a word after a space, a hyphen or a quote, and at the start of the text', () => {
    expect(transliterate('Івано-Франківськ')).toBe('Ivano-Frankivsk');
    expect(transliterate('вул. Юності')).toBe('vul. Yunosti');
    expect(transliterate('«Яблунька»')).toBe('«Yablunka»');
    expect(transliterate('мрія-ясна')).toBe('mriia-yasna');
  });

  it('keeps capitals: a word in capitals stays in capitals, a capital letter alone becomes a capital first letter', () => {
    expect(transliterate('ЗГОРАНИ')).toBe('ZGHORANY');
    expect(transliterate('ЦНАП')).toBe('TSNAP');
    expect(transliterate('ФАП с. Цибулеве')).toBe('FAP s. Tsybuleve');
    expect(transliterate('Щ')).toBe('Shch');
  });

  it('keeps Latin letters, digits and punctuation as they are', () => {
    expect(transliterate('Free WiFi, парк №2')).toBe('Free WiFi, park №2');
  });

  it('writes the Russian letters of a Russian keyboard as their nearest sounds', () => {
    expect(transliterate('Подъезд ёлка Эрмитаж мы')).toBe('Podezd yolka Ermytazh my');
  });
});

describe('slugId', () => {
  it.each([
    ['Макарихська гімназія', 'makarykhska-himnaziia'],
    ['Free WiFi, парк', 'free-wifi-park'],
    ['ФАП с. Цибулеве', 'fap-s-tsybuleve'],
    ["Знам'янський ліцей №1", 'znamianskyi-litsei-1'],
    ['  Будинок   культури  ', 'budynok-kultury'],
    ['Café «Ґанок»', 'cafe-ganok'],
    ['Старостинський округ — Їжаківка', 'starostynskyi-okruh-yizhakivka'],
    ['!!!', ''],
  ])('%s → %s', (name, id) => {
    expect(slugId(name)).toBe(id);
  });

  it('makes ids the config accepts', () => {
    for (const name of ['Дмитрівка', 'Цибулеве 2', 'Школа І-ІІІ ступенів']) expect(slugId(name)).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });
});
